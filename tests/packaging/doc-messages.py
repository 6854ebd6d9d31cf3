#!/usr/bin/env python3
"""Every message docs/troubleshooting.md quotes in bold (**`...`**) is printed
by this project's code (module, shim, scripts, or the mocks of NVIDIA's
programs), or is listed below as another program's. Placeholders in the
doc (…, <name>, N, [pid], numbers, absolute paths) match anything; each
literal part of 8 characters or more must be in the code, whole or in its
pieces split at ": " / "; " (messages the code composes from two strings).
Prints KTAP lines; exit 1 if a message is missing."""
import re
import subprocess
import sys

EXTERNAL = {  # start of the message: the program that prints it
    'modprobe: ERROR: could not insert': 'kmod (modprobe)',
    'modprobe: FATAL: Module': 'kmod (modprobe)',
    'Error! The /var/lib/dkms/': 'dkms',
    'error: vmiop_log: NVOS status': "NVIDIA's nvidia-vgpu-mgr",
    'error: vmiop_env_log: Failed to get VM UUID': "NVIDIA's nvidia-vgpu-mgr",
    'kvm_plugin_global_init failed': "NVIDIA's nvidia-vgpu-mgr",
    'NVRM: Xid (PCI:': "NVIDIA's nvidia.ko",
}
PLACEHOLDER = r'…|<[^>]*>|\bN\b|\[pid\]|\S*\d\S*|/\S+'
STRIP = ' "\':;,()'

code = subprocess.run(
    ['git', 'grep', '-h', '-I', '-e', '', '--', 'module', 'userspace-shim', 'scripts',
     'tests/mock', 'tests/daemons', 'Kbuild', 'dkms.conf'],
    capture_output=True, text=True, check=True).stdout
code = re.sub(r'"\s*\n\s*"', '', code)  # C's adjacent string literals
doc = open('docs/troubleshooting.md', encoding='utf-8').read()

n = failed = 0
for msg in re.findall(r'\*\*`([^`]+)`\*\*', doc):
    msg = ' '.join(msg.split())
    n += 1
    who = next((p for s, p in EXTERNAL.items() if msg.startswith(s)), None)
    if who:
        print(f'ok {n} - "{msg}": printed by {who}')
        continue
    frags = [f.strip(STRIP) for f in re.split(PLACEHOLDER, msg)]
    frags = [f for f in frags if len(f) >= 8]
    missing = []
    for f in frags:
        if f in code:
            continue
        pieces = [p.strip(STRIP) for p in re.split(r'[:;] ', f)]
        if not all(p in code for p in pieces if len(p) >= 8):
            missing.append(f)
    if frags and not missing:
        print(f'ok {n} - "{msg}": in the code')
    else:
        failed += 1
        print(f'not ok {n} - "{msg}": in the code')
        print(f'# not found: {missing or "no literal part to look for"}')
print(f'1..{n}')
sys.exit(1 if failed else 0)
