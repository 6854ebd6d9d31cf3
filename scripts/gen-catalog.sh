#!/bin/sh
# Generate the C headers that carry data/ into the code, after checking that
# the data files agree with each other:
#   include/vukp_catalog.h  from data/gpu-id-map.csv and data/vgpu-types.csv
#                           (+ data/board-branches.csv, checked only)
#   include/vukp_nvidia.h   from data/nvidia-symbols.csv and data/table-markers.csv
# `make catalog` runs it; tests/host/run.sh runs the rule into build/ and
# diffs the result with include/.
set -eu

usage() {
	cat <<EOF
usage: scripts/gen-catalog.sh [-o OUTDIR] [REPO-DIR]
Checks REPO-DIR/data/*.csv (default: this script's repository) and writes
vukp_catalog.h and vukp_nvidia.h into OUTDIR (default: REPO-DIR/include).
Exit 1 with one line per problem, writing nothing, if the data disagree.
EOF
}

out=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-o) [ $# -ge 2 ] || { usage >&2; exit 2; }; out=$2; shift ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
top=${1:-$(dirname "$0")/..}
out=${out:-$top/include}
data=$top/data
map=$data/gpu-id-map.csv
types=$data/vgpu-types.csv
branches=$data/board-branches.csv
syms=$data/nvidia-symbols.csv
markers=$data/table-markers.csv

# rows FILE: the data rows (comment lines and the header line dropped, CR stripped)
rows() { grep -v '^#' "$1" | tail -n +2 | tr -d '\r'; }

# ---- consistency ---------------------------------------------------------------
problems=$(
	{
		for f in "$map" "$types" "$branches" "$syms" "$markers"; do
			echo "@file ${f#"$top"/}"
			grep -v '^#' "$f" | tr -d '\r'
		done
		echo "@count $(grep -c . "$types") $(grep -o '[0-9]* rows' "$types" | head -n1)"
	} | awk -F, '
	function hex4(s) { return s ~ /^0x[0-9a-f][0-9a-f][0-9a-f][0-9a-f]$/ }
	function num(s,   i, n) { n = 0; s = substr(s, 3); for (i = 1; i <= 4; i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
	function bad(msg) { print file ": " msg; nbad++ }
	/^@file / { file = $0; sub(/^@file /, "", file); line = 0; next }
	/^@count / {
		split($0, c, " ")
		# "156 rows" in the first comment line of vgpu-types.csv: data rows = lines - 2
		if (c[3] != "" && c[2] - 2 != c[3]) print "data/vgpu-types.csv: says " c[3] " rows, has " c[2] - 2
		next
	}
	{ line++ }
	line == 1 { next }	# header
	file ~ /gpu-id-map/ {
		if (NF != 6) { bad("row " line - 1 ": " NF " fields, want 6"); next }
		if (!hex4($2) || !hex4($3) || !hex4($4)) { bad("row " line - 1 ": ids must be 0x and four lower-case hex digits"); next }
		if (num($2) > num($3)) bad("row " line - 1 ": range " $2 "-" $3 " is empty")
		if ($6 != "keep" && !hex4($6)) bad("row " line - 1 ": spoof_subsystem_id is neither keep nor 0xNNNN")
		nr++; rf[nr] = num($2); rl[nr] = num($3); rt[nr] = $4; rb[nr] = $5; rline[nr] = line
		next
	}
	file ~ /vgpu-types/ {
		if (NF != 4) { bad("row " line - 1 ": " NF " fields, want 4"); next }
		if (!hex4($1) || !hex4($2)) { bad("row " line - 1 ": ids must be 0x and four lower-case hex digits"); next }
		if (($1 SUBSEP $2) in ty) bad("row " line - 1 ": type " $1 "/" $2 " listed twice")
		ty[$1, $2] = 1
		if (($1 SUBSEP $3) in tn) bad("row " line - 1 ": type name " $3 " twice for board " $1)
		tn[$1, $3] = 1
		if ($1 in board && board[$1] != $4) bad("row " line - 1 ": board " $1 " named both " board[$1] " and " $4)
		board[$1] = $4
		next
	}
	file ~ /board-branches/ {
		if (NF != 5) { bad("row " line - 1 ": " NF " fields, want 5"); next }
		if ($1 in br) bad("row " line - 1 ": board " $1 " listed twice")
		br[$1] = $2
		if ($4 != "none" && $4 !~ /^[0-9]+$/) bad("row " line - 1 ": last_branch " $4 " is neither a number nor none")
		if ($5 != "sourced" && $5 != "uncertain") bad("row " line - 1 ": certainty " $5 " is neither sourced nor uncertain")
		next
	}
	file ~ /nvidia-symbols/ {
		if (NF != 3) { bad("row " line - 1 ": " NF " fields, want 3"); next }
		if ($1 !~ /^[A-Za-z_][A-Za-z0-9_]*$/) bad("row " line - 1 ": " $1 " is not a C identifier")
		if ($1 in sym) bad("row " line - 1 ": " $1 " listed twice")
		sym[$1] = 1
		if ($2 == "probed") {
			if ($3 !~ /^[a-z][a-z0-9_]*$/) bad("row " line - 1 ": probed " $1 " needs a role ([a-z0-9_]+)")
			else if ($3 in role) bad("row " line - 1 ": role " $3 " given twice")
			role[$3] = 1
		} else if ($2 == "info") {
			if ($3 != "") bad("row " line - 1 ": info symbol " $1 " has a role")
		} else bad("row " line - 1 ": use " $2 " is neither probed nor info")
		next
	}
	file ~ /table-markers/ {
		if (NF != 3) { bad("row " line - 1 ": " NF " fields, want 3"); next }
		if (line == 2 && $1 != "magic_start") bad("row 1: the first marker must be magic_start")
		if ($1 !~ /^[a-z][a-z0-9_]*$/) bad("row " line - 1 ": name " $1 " is not [a-z0-9_]+")
		if (length($2) != 32 || $2 ~ /[^0-9a-f]/) bad("row " line - 1 ": magic is not 32 lower-case hex digits")
		if ($1 in mk) bad("row " line - 1 ": " $1 " listed twice")
		if ($2 in mv) bad("row " line - 1 ": the magic of " $1 " is also " mv[$2] "\047s")
		mk[$1] = 1; mv[$2] = $1
		next
	}
	END {
		for (i = 1; i <= nr; i++) {
			f = "data/gpu-id-map.csv: row " rline[i] - 1 ": "
			if (!(rt[i] in board)) print f "target " rt[i] " is not a board of data/vgpu-types.csv"
			else if (board[rt[i]] != rb[i]) print f "target " rt[i] " is " board[rt[i]] " in data/vgpu-types.csv, not " rb[i]
			if (!(rt[i] in br)) print f "target " rt[i] " has no row in data/board-branches.csv"
			else if (br[rt[i]] != rb[i]) print f "target " rt[i] " is " br[rt[i]] " in data/board-branches.csv, not " rb[i]
			for (j = 1; j < i; j++)
				if (rf[i] <= rl[j] && rf[j] <= rl[i]) print f "range overlaps the one on row " rline[j] - 1
		}
	}'
)
if [ -n "$problems" ]; then
	printf 'gen-catalog: %s\n' "$problems" >&2
	exit 1
fi

# ---- vukp_catalog.h ------------------------------------------------------------
catalog() {
	cat <<'HDR'
/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Generated by scripts/gen-catalog.sh from data/gpu-id-map.csv and
 * data/vgpu-types.csv: do not edit.
 */
#ifndef VUKP_CATALOG_H
#define VUKP_CATALOG_H

struct vukp_id_range {
	unsigned short first, last;	/* consumer device id range */
	unsigned short target;		/* vGPU board presented instead */
	unsigned short spoof_subsys;	/* 0 = keep the card's own */
	const char *generation;
	const char *board;
};

struct vukp_vgpu_type {
	unsigned short device;		/* vGPU-capable board id */
	unsigned short subsys;		/* vGPU type subsystem id */
	const char *name;
	const char *board;
};

HDR
	echo "#define VUKP_ID_MAP_INIT { \\"
	rows "$map" | awk -F, '{
		s = ($6 == "keep") ? "0" : $6;
		printf "\t{ %s, %s, %s, %s, \"%s\", \"%s\" }, \\\n", $2, $3, $4, s, $1, $5
	}'
	echo "}"
	echo
	echo "#define VUKP_TYPES_INIT { \\"
	rows "$types" | awk -F, '{
		printf "\t{ %s, %s, \"%s\", \"%s\" }, \\\n", $1, $2, $3, $4
	}'
	echo "}"
	echo
	echo "/* rows of the id map; vGPU-capable boards (VUKP_VGPU_BOARDS_INIT) */"
	printf '#define VUKP_NUM_ID_RANGES\t\t%s\n' "$(rows "$map" | wc -l)"
	printf '#define VUKP_NUM_VGPU_BOARDS\t\t%s\n' "$(rows "$types" | cut -d, -f1 | sort -u | wc -l)"
	echo
	echo "/* the longest record plaintext (10 + both names) and the most types of one board */"
	rows "$types" | awk -F, '{ n = 10 + length($3) + length($4); if (n > m) m = n; c[$1]++ }
		END { for (b in c) if (c[b] > t) t = c[b]
		      printf "#define VUKP_CATALOG_MAX_PLAIN\t\t%d\n#define VUKP_CATALOG_MAX_TYPES\t\t%d\n\n", m, t }'
	echo "/* vGPU-capable boards: ids left alone by every rewrite */"
	echo "#define VUKP_VGPU_BOARDS_INIT { \\"
	rows "$types" | cut -d, -f1 | awk '!seen[$1]++ { printf "\t%s, \\\n", $1 }'
	echo "}"
	cat <<'WALK'

/*
 * The one walk of the id map (the module and the shim): NULL for a
 * vGPU-capable board, which every rewrite leaves alone (*is_board set), and
 * for an id no range holds; else the range that holds @device.
 */
static inline const struct vukp_id_range *
vukp_id_map_find(unsigned short device, int *is_board)
{
	static const struct vukp_id_range map[VUKP_NUM_ID_RANGES] = VUKP_ID_MAP_INIT;
	static const unsigned short boards[VUKP_NUM_VGPU_BOARDS] = VUKP_VGPU_BOARDS_INIT;
	unsigned int i;

	*is_board = 0;
	for (i = 0; i < VUKP_NUM_VGPU_BOARDS; i++) {
		if (boards[i] == device) {
			*is_board = 1;
			return (const struct vukp_id_range *)0;
		}
	}
	for (i = 0; i < VUKP_NUM_ID_RANGES; i++)
		if (device >= map[i].first && device <= map[i].last)
			return &map[i];
	return (const struct vukp_id_range *)0;
}
WALK
	echo
	echo "#endif /* VUKP_CATALOG_H */"
}

# ---- vukp_nvidia.h -------------------------------------------------------------
nvidia() {
	cat <<'HDR'
/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Generated by scripts/gen-catalog.sh from data/nvidia-symbols.csv and
 * data/table-markers.csv: do not edit.
 */
#ifndef VUKP_NVIDIA_H
#define VUKP_NVIDIA_H

/* nvidia.ko functions the module probes, by role (module/probes.c) */
HDR
	printf '#define VUKP_NUM_PROBES\t\t%s\n' "$(rows "$syms" | awk -F, '$2 == "probed"' | wc -l)"
	rows "$syms" | awk -F, '$2 == "probed" { printf "#define VUKP_SYM_%s\t\t\"%s\"\n", toupper($3), $1 }'
	echo
	echo "/* the marker magics of nvidia's board tables, as u8 [VUKP_NUM_MARKERS][16] */"
	printf '#define VUKP_NUM_MARKERS\t%s\n' "$(rows "$markers" | wc -l)"
	rows "$markers" | awk -F, '{ printf "#define VUKP_MARKER_%s\t%d\n", toupper($1), NR - 1 }'
	echo "#define VUKP_MARKER_MAGICS { \\"
	rows "$markers" | awk -F, '{
		s = ""
		for (i = 0; i < 16; i++)
			s = s sprintf("%s0x%s", i ? (i == 8 ? ", \\\n\t  " : ", ") : "", substr($2, 2 * i + 1, 2))
		printf "\t{ %s }, \\\n", s
	}'
	echo "}"
	echo
	echo "#endif /* VUKP_NVIDIA_H */"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
catalog >"$tmp/vukp_catalog.h"
nvidia >"$tmp/vukp_nvidia.h"
mkdir -p "$out"
cp "$tmp/vukp_catalog.h" "$tmp/vukp_nvidia.h" "$out/"
