// SPDX-License-Identifier: GPL-2.0 OR MIT
/* libFuzzer target: the TOML parser and both configuration mappings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

static void quiet(enum vukp_log_level level, const char *line)
{
	(void)level;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vukp_main_cfg m;
	struct vukp_profile_cfg p;
	char *copy;
	uint64_t v;
	uint32_t id;

	if (size > VUKP_MAX_FILE_SIZE)
		return 0;
	vukp_log_set_sink(quiet);
	/* exact-size copy: reads past the end are caught */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	vukp_main_cfg_parse(&m, copy, size, "fuzz");
	vukp_main_cfg_free(&m);
	vukp_profile_cfg_parse(&p, copy, size, "fuzz");
	vukp_profile_cfg_free(&p);
	free(copy);
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	vukp_parse_human(copy, &v);
	vukp_parse_id_string(copy, &id);
	free(copy);
	return 0;
}
