# The headers generated from data/ (scripts/gen-catalog.sh); included by the top-level Makefile.
#   make catalog [CATALOG_DIR=include]   check data/*.csv against each other and write
#                                        vukp_catalog.h and vukp_nvidia.h into CATALOG_DIR
CATALOG_DIR ?= include

.PHONY: catalog
catalog:
	@scripts/gen-catalog.sh -o $(CATALOG_DIR)
