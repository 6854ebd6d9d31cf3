#!/bin/bash
# Boot one kernel in QEMU (TCG) with the test payload and report KTAP results.
#
# Usage: tests/qemu/run.sh KERNEL [--tests GLOB[,GLOB...]] [--variant-dir DIR]...
#   KERNEL          6.1 | 6.12 | 7.x | debug | debug-6.1 (tests/qemu/kernels.sh)
#   --tests         run only the guest scripts tests/selftests/*.sh matching a glob
#   --variant-dir   extra prebuilt modules: DIR/*.ko are added to the guest's /vukp/ko
#   --test-dir      extra guest scripts: DIR/*.sh are added to /vukp/tests
# Environment:
#   VUKP_QEMU_TIMEOUT  hard limit for the whole QEMU run (900 s; debug 2400 s)
#   VUKP_TEST_TIMEOUT  per-script limit inside the guest (240 s; debug 600 s)
#   VUKP_STALL         stop QEMU when the console stays silent this long (per-script limit + 60 s):
#                      the guest's /init prints after every script, so silence means a dead kernel
#   VUKP_FUSES         directory with gpuN.img (default build/fuses)
#   VUKP_ACCEL         QEMU accelerator (default tcg,thread=single: see docs/reliability.md
#                      on multi-threaded TCG; KVM hangs on this project's hosts)
#   VUKP_SMP           guest CPUs (default 2)
#   VUKP_QEMU_OPTS     extra QEMU options, split at spaces (e.g. -singlestep)
#   VUKP_RUN           names a second run of a kernel (e.g. mttcg): its logs and result go to
#                      build/KERNEL/RUN/, the modules are still built in build/KERNEL
#   VUKP_VERBOSE=1     stream the console to stderr while the guest runs
#   VUKP_APPEND        extra kernel command line words (e.g. vukp.bench=1)
# Writes build/KERNEL/{console.log,build.log,result}; result holds "PASSED FAILED".
# Exit status 0 iff nothing failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/kernels.sh
. "$here/kernels.sh"
usage() { sed -n '3,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }

[ $# -ge 1 ] || usage
kernel=$1
shift
tests='*'
variant_dirs=()
test_dirs=()
while [ $# -gt 0 ]; do
	case $1 in
	--tests) tests=${2:?}; shift 2 ;;
	--tests=*) tests=${1#*=}; shift ;;
	--variant-dir) variant_dirs+=("${2:?}"); shift 2 ;;
	--variant-dir=*) variant_dirs+=("${1#*=}"); shift ;;
	--test-dir) test_dirs+=("${2:?}"); shift 2 ;;
	--test-dir=*) test_dirs+=("${1#*=}"); shift ;;
	*) usage ;;
	esac
done
case $tests in *[[:space:]]*) echo "run.sh: --tests takes comma-separated globs" >&2; exit 2 ;; esac

out=$repo/build/$kernel
ko=$out/ko
run=${VUKP_RUN:+$out/$VUKP_RUN}
run=${run:-$out}	# this run's logs and result
blog=$run/build.log
clog=$run/console.log
mkdir -p "$out" "$run"
# One run per kernel at a time; builds (shared mock tables, host programs)
# serialised across kernels.
lock8=$repo/build/.lock-run-$kernel
# a debug kernel's tree is in the cache, shared by clones: its lock is there
# too (build-debug-kernel.sh takes it while it builds)
case $kernel in debug*) vukp_kernel "$kernel" && lock8=$(dirname "$K_KBUILD")/.lock-run ;; esac
mkdir -p "$(dirname "$lock8")"
exec 8>"$lock8" 9>"$repo/build/.lock-build"
flock -w "${VUKP_LOCK_WAIT:-1800}" 8 || { echo "run.sh: $kernel is locked by another run" >&2; exit 1; }
flock -w "${VUKP_LOCK_WAIT:-1800}" 9 || { echo "run.sh: builds locked by another run" >&2; exit 1; }
rm -f "$run/result" "$clog"
: >"$blog"

# The run is one KTAP document: the build steps and host-side checks are its
# test cases, each guest script a subtest (nested as the guest printed it);
# the plan comes last, as the count is known only then.
passed=0 failed=0 skipped=0 n=0
tag="[$kernel${VUKP_RUN:+ $VUKP_RUN}]"
echo "KTAP version 1"
say() { echo "# $tag $*"; }
h_ok() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n $tag $1"; }
h_fail() { # DESC [DIAG]
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n $tag $1"
	[ -z "${2:-}" ] || while IFS= read -r l; do echo "# $l"; done <<<"$2"
}
finish() {
	echo "1..$n"
	echo "$passed $failed" >"$run/result"
	echo "# $tag $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}
logged() { # DESC CMD...: run CMD with output in build.log; h_fail on error
	local desc=$1 step=$run/step.log
	shift
	echo "=== $desc: $*" >>"$blog"
	if ! "$@" >"$step" 2>&1; then
		cat "$step" >>"$blog"
		h_fail "build: $desc" "$*
$(tail -n 20 "$step")"
		return 1
	fi
	cat "$step" >>"$blog"
}

# (a) kernel image and the tree to build modules against (kernels.sh): on
# the host, or in a chroot (K_ROOT: the Debian 13 one for 7.x) with the
# clone bind-mounted at the same path
vukp_kernel "$kernel" || usage
image=$K_IMAGE kbuild=$K_KBUILD kroot=$K_ROOT
kdir=
[ -n "$K_DEBUG" ] || kdir=$K_VER # names the DKMS-built module's directory
if [ -n "$K_DEBUG" ]; then
	mem=2048 hard=${VUKP_QEMU_TIMEOUT:-2400} per=${VUKP_TEST_TIMEOUT:-600}
	extra=" vukp.kmemleak=1"
else
	mem=1024 hard=${VUKP_QEMU_TIMEOUT:-900} per=${VUKP_TEST_TIMEOUT:-240}
fi
if [ -z "$image" ] || [ ! -f "$image" ]; then
	h_fail "kernel image for $kernel" "missing ${image:-$VUKP_CACHE/kernels/$kernel.*}: run tests/qemu/deps.sh or build-debug-kernel.sh"
	finish
fi
if [ ! -f "$kroot$kbuild/Makefile" ]; then
	h_fail "kernel build tree for $kernel" "missing $kroot$kbuild"
	finish
fi
say "kernel $image${kroot:+ (modules built in $kroot)}"

# (b) modules for this kernel: the mock driver variants and the project module
mkdir -p "$ko"
rm -f "$ko/vgpu_unlock_kp.ko" "$ko/vgpu_unlock_kp.ko.text"
t0=$SECONDS
if [ -f "$repo/tests/mock/Makefile" ]; then
	# Tables on the host (python3-cryptography), shared by every kernel;
	# then the modules, in the kernel's chroot if it has one.
	logged "mock tables" make -C "$repo/tests/mock" tables || true
	# (-j: the variants are independent; builds of two kernels never overlap, lock 9)
	logged "mock modules" vukp_in_root "$kroot" make -j"${VUKP_JOBS:-$(nproc)}" -C "$repo/tests/mock" KDIR="$kbuild" OUT="$ko" || true
else
	say "note: tests/mock/Makefile missing, no mock modules"
fi
if [ -f "$repo/Kbuild" ]; then
	src=$out/src
	mkdir -p "$src"
	srcs=()
	for p in Kbuild VERSION module include data; do
		[ -e "$repo/$p" ] && srcs+=("$repo/$p")
	done
	# A private copy per kernel: two kernels never share object files.
	if logged "copy module sources" rsync -a --delete \
		--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='modules.order' --exclude='Module.symvers' \
		"${srcs[@]}" "$src/" &&
		logged "vgpu_unlock_kp.ko" vukp_in_root "$kroot" make -C "$kbuild" M="$src" modules; then
		cp "$src/vgpu_unlock_kp.ko" "$ko/"
		# "NAME SIZE" of its functions: where its text ends (51-faults)
		nm -S --defined-only "$src/vgpu_unlock_kp.ko" |
			awk 'NF == 4 && $3 ~ /^[tT]$/ { print $4, $2 }' >"$ko/vgpu_unlock_kp.ko.text"
	fi
	# The module as DKMS built and installed it (tests/packaging), if any.
	rm -f "$ko/dkms-vgpu_unlock_kp.ko"
	if [ -n "$kdir" ] && [ -f "$repo/build/dkms/$kdir/vgpu_unlock_kp.ko" ]; then
		cp "$repo/build/dkms/$kdir/vgpu_unlock_kp.ko" "$ko/dkms-vgpu_unlock_kp.ko"
	fi
else
	say "note: no top-level Kbuild yet, vgpu_unlock_kp.ko not built"
fi

# (b2) the kernel's own modules the mock needs where this kernel has them as
# modules, not built in (Debian 11: CONFIG_CRYPTO_AES=m), each with what it
# depends on, from the kernel's /lib/modules (in its chroot, or the host's);
# the guest's /init loads them before the first script
kmod=$out/kmod
rm -rf "$kmod"
mkdir -p "$kmod"
mods=$kroot/lib/modules/$K_VER
if [ -z "$K_DEBUG" ] && [ -f "$mods/modules.alias" ] && [ -f "$mods/modules.dep" ]; then
	for alg in aes hmac sha256; do
		# built in (modules.builtin.modinfo: "NAME.alias=crypto-ALG"): nothing to load
		tr '\0' '\n' <"$mods/modules.builtin.modinfo" 2>/dev/null |
			grep -E "^[^.]+\.alias=crypto-$alg\$" >/dev/null && continue
		# the generic C implementation, else whichever provides the name
		m=$(awk -v a="crypto-$alg-generic" -v b="crypto-$alg" '
			$1 == "alias" && $2 == a { print $3; exit }
			$1 == "alias" && $2 == b && !f { f = $3 }
			END { if (f) print f }' "$mods/modules.alias" | head -n 1)
		if [ -z "$m" ]; then
			h_fail "build: crypto-$alg for the mock" "neither built in nor in $mods/modules.alias"
			continue
		fi
		# modules.dep: "path/m.ko: dep1.ko dep2.ko" (a dependency's own
		# dependencies after it): loaded from the last to the first
		line=$(awk -v m="$m" '{ f = $1; sub(/:$/, "", f); n = f; sub(/.*\//, "", n)
			sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n) } n == m { print; exit }' "$mods/modules.dep")
		if [ -z "$line" ]; then
			h_fail "build: kernel module $m (crypto-$alg)" "not in $mods/modules.dep"
			continue
		fi
		read -r -a files <<<"${line/:/}"
		for ((i = ${#files[@]} - 1; i >= 0; i--)); do
			f=${files[i]}
			b=${f##*/}
			b=${b%.xz} b=${b%.zst} b=${b%.gz}
			grep -qxF "$b" "$kmod/order" 2>/dev/null && continue
			case $f in
			*.xz) xz -dc "$mods/$f" >"$kmod/$b" ;;
			*.zst) zstd -qdc "$mods/$f" >"$kmod/$b" ;;
			*.gz) gzip -dc "$mods/$f" >"$kmod/$b" ;;
			*) cp "$mods/$f" "$kmod/$b" ;;
			esac
			echo "$b" >>"$kmod/order"
		done
	done
	[ ! -f "$kmod/order" ] || say "the kernel's own modules for the guest: $(tr '\n' ' ' <"$kmod/order")"
fi

# (c) userspace test programs and the shim, built on the host
hbin=$repo/build/host/bin
hlib=$repo/build/host/lib
mkdir -p "$hbin" "$hlib"
if [ -f "$repo/tests/daemons/Makefile" ]; then
	logged "test programs" make -C "$repo/tests/daemons" OUT="$hbin" || true
else
	say "note: tests/daemons/Makefile missing, no test programs"
fi
if [ -f "$repo/scripts/verdict/Makefile" ]; then	# the offline verdict and the report, for guest tests
	logged "offline verdict" make -C "$repo/scripts/verdict" OUT="$hbin" || true
	cp "$repo/scripts/vgpu-unlock-report" "$hbin/" 2>/dev/null || true
fi
if [ -f "$repo/userspace-shim/Makefile" ]; then
	logged "userspace shim" make -C "$repo/userspace-shim" || true
fi
# the status tool and a bash to run it, for 29-status in the guest
cp /bin/bash "$hbin/"
tools=$out/tools
mkdir -p "$tools"
cp "$repo/scripts/vgpu-unlock-status" "$tools/vgpu-unlock-status.sh"
rm -f "$hlib/libvgpu_unlock_shim.so"
[ ! -f "$repo/userspace-shim/libvgpu_unlock_shim.so" ] ||
	cp "$repo/userspace-shim/libvgpu_unlock_shim.so" "$hlib/"
# The shim also builds against the userland of the kernel's chroot (Debian
# 11's glibc 2.31 for 5.10, the oldest): a private copy, built there; the
# guests run the host's build.
if [ -n "$kroot" ] && [ -f "$repo/userspace-shim/Makefile" ]; then
	rsync -a --delete --exclude='*.o' --exclude='*.so' --exclude=obj \
		"$repo/userspace-shim" "$repo/include" "$out/shim-src/" &&
		logged "userspace shim in $kroot" vukp_in_root "$kroot" make -C "$out/shim-src/userspace-shim" &&
		h_ok "build: userspace shim against $(vukp_in_root "$kroot" ldd --version | head -n 1)"
fi
# The preflight tool with that userland's bash, awk, readelf and xz: this
# kernel's config and headers, and the mock nvidia.ko's tables and symbols.
# Exit 0, nothing on stderr, and the PASS lines of those checks.
if [ -n "$kroot" ] && [ -f "$ko/nvidia-default.ko" ]; then
	chk=$out/check-tool
	mkdir -p "$chk"
	rc=0
	vukp_in_root "$kroot" env VUKP_KERNEL_RELEASE="$K_VER" VUKP_DATADIR="$repo/data" \
		"$repo/scripts/vgpu-unlock-check" --only kernel,headers,driver,symbols \
		--nvidia-ko "$ko/nvidia-default.ko" >"$chk/out" 2>"$chk/err" || rc=$?
	echo "$rc" >"$chk/rc"
	kv=${K_VER//./\\.} kv=${kv//+/\\+} # 7.3.4+deb13-amd64 in a regular expression
	lines=("PASS +kernel +kernel $kv: CONFIG_KPROBES=y, CONFIG_KRETPROBES=y"
		"PASS +headers +headers for $kv installed" "PASS +driver +vGPU host tables present"
		"PASS +symbols +os_mem_copy present")
	miss=
	for w in "${lines[@]}"; do grep -Eq "^$w" "$chk/out" || miss+="no line '$w'; "; done
	# shellcheck disable=SC2016 # expanded by the chroot's bash
	bash_v=$(vukp_in_root "$kroot" bash -c 'echo "$BASH_VERSION"')
	if [ "$(cat "$chk/rc")" = 0 ] && [ ! -s "$chk/err" ] && [ -z "$miss" ]; then
		h_ok "vgpu-unlock-check runs with the userland of $kroot (bash $bash_v)"
	else
		h_fail "vgpu-unlock-check runs with the userland of $kroot (bash $bash_v)" \
			"exit $(cat "$chk/rc"); ${miss}stderr and output:
$(cat "$chk/err" "$chk/out")"
	fi
fi

# (d) GPU memory images, copied so a test cannot alter the originals
fuses=${VUKP_FUSES:-$repo/build/fuses}
if [ -z "${VUKP_FUSES:-}" ] && [ -f "$repo/tests/mock/Makefile" ]; then
	if make -n -C "$repo/tests/mock" fuses OUT="$fuses" >/dev/null 2>&1; then
		logged "GPU images" make -C "$repo/tests/mock" fuses OUT="$fuses" || true
	else
		say "note: tests/mock has no 'fuses' target yet, no GPU images built"
	fi
fi
gpudir=$run/gpu
rm -rf "$gpudir"
mkdir -p "$gpudir"
gpus=()
while IFS= read -r img; do
	[ -n "$img" ] || continue
	cp "$img" "$gpudir/"
	gpus+=("$gpudir/${img##*/}")
done < <(find "$fuses" -maxdepth 1 -name 'gpu[0-9]*.img' 2>/dev/null | sort -V)
say "${#gpus[@]} GPU image(s) from $fuses; builds took $((SECONDS - t0)) s (log: $blog)"

flock -u 9

# Initramfs
initrd=$run/initramfs.cpio.gz
mk=("$here/mkinitramfs.sh" -o "$initrd" --ko "$ko" --bin "$hbin" --lib "$hlib"
	--tests "$repo/tests/selftests" --tests "$tools" --kmod "$kmod")
for d in "${variant_dirs[@]}"; do mk+=(--ko "$d"); done
for d in "${test_dirs[@]}"; do mk+=(--tests "$d"); done
if ! logged "initramfs" "${mk[@]}"; then
	finish
fi

# (e) boot
append="console=ttyS0 panic=-1 panic_on_warn=0 loglevel=7 printk.time=1 log_buf_len=1M"
# the guest scripts know one "debug" (shorter stress and cycles, KASAN checks)
gkernel=$kernel
[ -z "$K_DEBUG" ] || gkernel=debug
append+="${extra:-} vukp.kernel=$gkernel vukp.gpus=${#gpus[@]} vukp.timeout=$per vukp.tests=$tests"
append+="${VUKP_APPEND:+ $VUKP_APPEND}"
# One CPU per socket: the debug kernel (no ACPI) finds its CPUs in SeaBIOS's
# MP table, which lists the first CPU of each socket only.
ncpu=${VUKP_SMP:-2}
# shellcheck disable=SC2054 # commas belong to QEMU options
qemu=(qemu-system-x86_64 -accel "${VUKP_ACCEL:-tcg,thread=single}" -cpu max -m "$mem"
	-smp "$ncpu,sockets=$ncpu,cores=1,threads=1"
	-nographic -no-reboot -nic none
	-kernel "$image" -initrd "$initrd" -append "$append"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
# shellcheck disable=SC2206 # options split at spaces
[ -z "${VUKP_QEMU_OPTS:-}" ] || qemu+=($VUKP_QEMU_OPTS)
for i in "${!gpus[@]}"; do
	qemu+=(-object "memory-backend-file,id=gpumem$i,mem-path=${gpus[$i]},size=16M,share=on"
		-device "ivshmem-plain,memdev=gpumem$i,bus=pci.0,addr=0x$(printf '%x' $((4 + i)))")
done
printf '%q ' timeout "$hard" "${qemu[@]}" >"$run/qemu.cmd"
echo >>"$run/qemu.cmd"
say "booting (limit ${hard} s, ${per} s per script, console: $clog)"
# boot: run QEMU once, console in $clog (and cleaned in $clean), $qrc, $took
boot() {
	: >"$clog"
	tailpid=
	if [ -n "${VUKP_VERBOSE:-}" ]; then
		tail -n +1 -f "$clog" >&2 &
		tailpid=$!
	fi
	t0=$SECONDS
	qrc=0
	timeout -k 10 "$hard" "${qemu[@]}" </dev/null >"$clog" 2>&1 &
	qpid=$!
	stall=${VUKP_STALL:-$((per + 60))} size=0 quiet=0 stalled=
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 2
		now=$(stat -c %s "$clog")
		if [ "$now" != "$size" ]; then
			size=$now quiet=0
		elif [ "$((quiet += 2))" -ge "$stall" ]; then
			stalled=$quiet
			say "console silent for $quiet s: the guest is dead, stopping QEMU"
			kill "$qpid" 2>/dev/null || true
			break
		fi
	done
	wait "$qpid" || qrc=$?
	took=$((SECONDS - t0))
	[ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null || true
	say "QEMU exited $qrc after $took s"
	# Console text without CRs and terminal escapes.
	tr -d '\r' <"$clog" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' >"$clean"
}
clean=$run/console.txt
boot
# Under multi-threaded TCG, QEMU 7.2 can run a stale copy of kernel code the
# kernel has just patched (docs/reliability.md, item 1): the kernel's own
# boot-time patching (static keys) then dies on a leftover int3 before /init
# runs a script, with nothing of ours loaded.  That, and only that (no script
# started), is booted again, once, and said.
if [[ ${VUKP_ACCEL:-} == *thread=multi* ]] && ! grep -aq '^# suite: ' "$clean" &&
	grep -aqE '^\[ *[0-9]+\.[0-9]+\] (Oops|Kernel panic)' "$clean"; then
	mv "$clean" "$run/console-crashed-boot.txt"
	say "the kernel died while booting, before any script ran (multi-threaded TCG;" \
		"console kept in $run/console-crashed-boot.txt): booting again, once"
	boot
fi

# (h) the guest's KTAP: its scripts' subtests as they are (diagnostics only
# after a failure), their result lines numbered on in this document and
# tagged with the kernel. Counted the same as every suite (lib.sh): a case
# passes, fails or is skipped; a subtest counts its cases, and one failure
# more if it failed with no failed case (timeout, exit status, leftovers);
# a result line with no subtest (kmemleak) counts itself.
awk -v tag="$tag" -v n="$n" -v counts="$run/counts" '
	function count(line, ind) {
		if (line ~ /^not ok/) return "f"
		return line ~ /# SKIP/ ? "s" : "p"
	}
	/^# suite: / { print "# " tag " suite: " substr($0, 10); diag = 0; next }
	/^    (KTAP version|[0-9]+\.\.[0-9]+)/ { print; diag = 0; next }
	/^    (not )?ok / {
		print; c = count(substr($0, 5)); leaves++; lc[c]++
		diag = (c == "f"); next
	}
	/^    #/ && diag { print; next }
	/^(not )?ok [0-9]+ / {
		c = count($0)
		if (!leaves) tot[c]++
		else {
			tot["p"] += lc["p"]; tot["s"] += lc["s"]; tot["f"] += lc["f"]
			if (c == "f" && !lc["f"]) tot["f"]++
		}
		leaves = 0; delete lc
		sub(/^(not )?ok [0-9]+ /, "")
		printf "%s %d %s %s\n", c == "f" ? "not ok" : "ok", ++n, tag, $0
		diag = (c == "f"); next
	}
	/^#/ && diag { print; next }
	{ diag = 0 }
	END { printf "%d %d %d %d\n", n, tot["p"], tot["f"], tot["s"] >counts }' "$clean"
read -r n p f sk <"$run/counts"
passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + sk))

# (f) verdict: the exit code and the console line must agree
line=$(grep -ao 'VUKP-VERDICT: [a-z-]*' "$clean" | tail -n 1 || true)
case $qrc in
1) want=pass ;;
3) want=fail ;;
5) want=setup-failed ;;
124 | 137) want="timeout after ${hard} s" ;;
*) want="no verdict" ;;
esac
[ -z "$stalled" ] || want="no verdict: console silent for ${stalled} s"
if [ "$line" = "VUKP-VERDICT: $want" ] && [ "$want" != setup-failed ]; then
	h_ok "guest verdict: $want (QEMU exit $qrc, ${took} s)"
else
	h_fail "guest verdict: $want (QEMU exit $qrc, ${took} s)" \
		"console says: '${line:-nothing}'; last lines of $clog:
$(tail -n 15 "$clean")"
fi

# (g) kernel log: only kernel lines ("[ 1.234] ...") are checked, not test output
# (the guest scripts' pattern, plus kmemleak's automatic scan: the whole run is judged here)
# shellcheck source=tests/selftests/kreport.sh
. "$repo/tests/selftests/kreport.sh"
bad=$(grep -aE "^\[ *[0-9]+\.[0-9]+\].*($KREPORT_ANY|kmemleak: .* new suspected)" "$clean" || true)
if [ -z "$bad" ]; then
	h_ok "kernel log clean on $kernel"
else
	h_fail "kernel log clean on $kernel" "$(head -n 40 <<<"$bad")"
fi
finish
