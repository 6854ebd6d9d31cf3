#!/bin/sh
# The offline verdict (vgpu-unlock-verdict, module/tables.c built for
# userspace) against the module itself: for every mock variant in the
# payload, the tool's verdict on the .ko file and what the module reports
# after arming on the same driver agree (arms or refuses and why; list
# sizes, sacrificial entries, decoys), and the types it says fit the
# sacrificial entries alone are what the module installs with borrow=0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

VERDICT=$VUKP_BIN/vgpu-unlock-verdict
[ -x "$VERDICT" ] || skip_all "no $VERDICT in the payload"

jget() { # JSON KEY: the value of KEY (the last one if it repeats)
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\(\"\([^\"]*\)\"\|\([^,}]*\)\).*/\2\3/p"
}
tget() { # KEY: a field of the status file's tables line
	grep '^tables ' $KP_STATUS | tr ' ' '\n' | sed -n "s/^$1=//p"
}

for ko in "$VUKP_KO"/nvidia-*.ko; do
	v=${ko##*/nvidia-}
	v=${v%.ko}
	j=$("$VERDICT" --json "$ko" 1b06 2>&1)
	arms=$(jget "$j" arms)
	if [ "$arms" != true ] && [ "$arms" != false ]; then
		fail "[$v] the tool gives a verdict" "$j"
		continue
	fi
	nv_load "$v" || continue
	s=$(nv_checksum)
	kp_load borrow=0 || { nv_unload; continue; }
	st=$(cat $KP_STATUS)
	if [ "$arms" = true ]; then
		if ! echo "$st" | grep -q "state=armed"; then
			fail "[$v] tool: arms; module: armed" "$j
$st"
		else
			want="$(jget "$j" other_boards) $(jget "$j" vgpu_entries) $(jget "$j" sacrificial) $(jget "$j" decoys)"
			got="$(tget other_boards) $(tget vgpu_entries) $(tget slots) $(tget decoys)"
			expect_eq "[$v] other boards, vGPU entries, sacrificial, decoys: tool = module" "$want" "$got"
			# borrow=0: the 1080 Ti gets the sacrificial entries alone
			vgpu_start $GPU_1080 "GRID P40-1Q" -r -k >/dev/null
			want="$(jget "$j" types_sacrificial) $(jget "$j" types)"
			expect_eq "[$v] types with the sacrificial entries alone (of all): tool = module (borrow=0)" \
				"$want" "$(kp_types $GPU_1080)"
		fi
	else
		why=$(jget "$j" why)
		reason=$(echo "$st" | sed -n 's/.*state=refused.* reason="\([^"]*\)".*/\1/p')
		case $why in
		"cannot probe "*) why=${why%%:*} ;;	# the module adds the error number
		esac
		case $reason in
		"$why"*) ok "[$v] tool and module refuse: $why" ;;
		*) fail "[$v] tool and module refuse for the same reason" "tool: $j
module: $st" ;;
		esac
	fi
	kp_unload
	expect_eq "[$v] checksum restored" "$s" "$(nv_checksum)"
	nv_unload
done
finish
