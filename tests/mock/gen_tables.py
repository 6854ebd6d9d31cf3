#!/usr/bin/python3
"""Generate the mock nvidia's read-only tables and the test GPUs' memory.

Independent of the code under test: records are encrypted and signed with
Python's `cryptography` (OpenSSL), following driver-model.md section 6.

Outputs (in --out):
  tables.S     assembler source: the tables in .rodata, relocated pointers,
               read-only bulk pulled in with .incbin
  bulk.bin     the bulk bytes (--bulk-mb MiB)
  tables.json  what was generated (for host tests and docs)
  gpuN.img     with --fuses: each test GPU's device memory ("fuses")
"""
import argparse
import csv
import hashlib
import hmac
import json
import os
import random
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAGIC_START = bytes.fromhex("f3f59e3d139175186a7b55edce5d8467")
SAC_DUALCODER = bytes.fromhex("464f39497491d70fbc65c270dddd1154")
SAC_PATCHER = bytes.fromhex("9d72d906a620f439e1117d17b4531d73")

# Test GPUs, in PCI slot order (00:04.0, 00:05.0, 00:06.0).
TEST_GPUS = [
    dict(name="GeForce GTX 1080 Ti", device=0x1b06, subsys=0x120f, rev=0xa1),
    dict(name="GeForce RTX 2080 Ti", device=0x1e07, subsys=0x12fa, rev=0xa1),
    dict(name="Tesla P40", device=0x1b38, subsys=0x11d9, rev=0xa1),
]

# Boards in the tables but absent from the test machine.
ABSENT_OTHER = [
    ("GeForce GTX 1070", 0x1b81), ("Quadro P4000", 0x1bb1),
    ("TITAN RTX", 0x1e02), ("GeForce RTX 3090", 0x2204),
    ("Quadro P400", 0x1cb3), ("GeForce GTX 980", 0x13c0),
]
ABSENT_VGPU = [0x1eb8, 0x1e30, 0x1db6]  # T4, RTX 6000, V100: real types

FUSE_SIGNATURE = 0x4B4D564E  # "NVMK"
FUSE_SIZE = 16 << 20
APERTURE_MAPPED = 8 << 20    # the mock maps the first half


def aes_ecb(key, data):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def make_record(key, name1, name2, device, subsys, rng):
    n1, n2 = name1.encode(), name2.encode()
    vendor = rng.choice([0, 0x10DE])
    svendor = rng.choice([0, 0x10DE])
    plain = struct.pack("<BBHHHH", len(n1), len(n2), device, vendor,
                        subsys, svendor) + n1 + n2
    nblocks = (len(plain) + 15) // 16
    assert 1 <= nblocks <= 4, (name1, name2)
    plain += b"\0" * (16 * nblocks - len(plain))
    rec = bytes([nblocks]) + aes_ecb(key, plain)
    sig = hmac.new(key, rec, hashlib.sha256).digest()
    return rec, sig, plain


def load_types(path):
    types = []
    with open(path) as f:
        for row in csv.reader(l for l in f if not l.startswith("#")):
            if row[0] == "target_device_id":
                continue
            types.append(dict(device=int(row[0], 16), subsys=int(row[1], 16),
                              name=row[2], board=row[3]))
    return types


def asm_blob(label):
    for item in ASM.items:
        if item[0] == label:
            return item[2]
    raise KeyError(label)


def set_blob(label, data):
    for i, item in enumerate(ASM.items):
        if item[0] == label:
            ASM.items[i] = (label, item[1], data, item[3])
            return
    raise KeyError(label)


class Asm:
    """Collects .rodata items; emits them in a shuffled order with bulk."""

    def __init__(self):
        self.items = []  # (label, kind, payload, align)

    def blob(self, label, data, align=1):
        self.items.append((label, "bytes", data, align))
        return label

    def quads(self, label, values, align=8):
        self.items.append((label, "quads", values, align))
        return label


def asm_bytes(data):
    out = []
    for i in range(0, len(data), 16):
        out.append("\t.byte " + ",".join("0x%02x" % b for b in data[i:i + 16]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--types", required=True)
    ap.add_argument("--identity-seed", type=int, default=1080)
    ap.add_argument("--layout-seed", type=int, default=2080)
    ap.add_argument("--bulk-mb", type=int, default=8)
    ap.add_argument("--sac-dualcoder", type=int, default=30,
                    help="triplets carrying the DualCoder sacrificial magic")
    ap.add_argument("--sac-patcher", type=int, default=24,
                    help="triplets carrying the vGPU-Unlock-patcher magic")
    ap.add_argument("--no-magic-start", action="store_true")
    ap.add_argument("--corrupt", action="append", default=[],
                    choices=["ptr-outside", "huge-blocks", "bad-sig",
                             "no-terminator"],
                    help="fault injection: damage the vGPU-capable list")
    ap.add_argument("--fuses", action="store_true")
    a = ap.parse_args()

    idr = random.Random(a.identity_seed)   # GPU identities: variant-stable
    rng = random.Random(a.layout_seed)      # table layout
    types = load_types(a.types)
    boards = {}
    for t in types:
        boards.setdefault(t["device"], t["board"])

    gpus = []
    for g in TEST_GPUS:
        gg = dict(g)
        gg["magic"] = bytes(idr.getrandbits(8) for _ in range(16))
        gg["key"] = bytes(idr.getrandbits(8) for _ in range(16))
        gg["magic_off"] = 0x10000 + 16 * idr.randrange(0x4000)
        gg["key_off"] = 0x80000 + 16 * idr.randrange(0x4000)
        gpus.append(gg)

    global ASM
    asm = ASM = Asm()
    meta = dict(gpus=[], other_list=[], vgpu_list=[])
    n = [0]

    def obj(prefix, data, align=1):
        n[0] += 1
        return asm.blob("%s_%d" % (prefix, n[0]), data, align)

    def triplet(magic_label, key, name1, name2, device, subsys):
        rec, sig, _ = make_record(key, name1, name2, device, subsys, rng)
        return (magic_label, obj("rec", rec, rng.choice([1, 4, 8])),
                obj("sig", sig, rng.choice([1, 4, 8])))

    # ---- other-boards list: magic_start entry first --------------------
    other = []
    ms_label = obj("magic", MAGIC_START if not a.no_magic_start
                   else bytes(idr.getrandbits(8) for _ in range(16)))
    other.append(triplet(ms_label,
                         bytes(rng.getrandbits(8) for _ in range(16)),
                         "magic_start", "", 0x0000, 0x0000))
    entries = []
    for g in gpus:
        if g["device"] in boards:
            continue  # native boards live in the vGPU-capable list
        entries.append((g["magic"], g["key"], g["name"], "", g["device"],
                        g["subsys"]))
    for name, dev in ABSENT_OTHER:
        entries.append((bytes(rng.getrandbits(8) for _ in range(16)),
                        bytes(rng.getrandbits(8) for _ in range(16)),
                        name, name.split()[-1], dev, 0x1000 + dev % 0x100))
    rng.shuffle(entries)
    for magic, key, n1, n2, dev, ss in entries:
        other.append(triplet(obj("magic", magic), key, n1, n2, dev, ss))
        meta["other_list"].append(dict(name=n1, device=dev))

    # ---- vGPU-capable list: groups of (board, type) entries ------------
    groups = []
    for g in gpus:
        if g["device"] in boards:
            groups.append((g["magic"], g["key"], g["device"], "native"))
    for dev in ABSENT_VGPU:
        groups.append((bytes(rng.getrandbits(8) for _ in range(16)),
                       bytes(rng.getrandbits(8) for _ in range(16)), dev,
                       "absent"))
    if a.sac_dualcoder:
        groups.append((SAC_DUALCODER, bytes(rng.getrandbits(8)
                       for _ in range(16)), 0x2235, "sac-dualcoder"))
    if a.sac_patcher:
        groups.append((SAC_PATCHER, bytes(rng.getrandbits(8)
                       for _ in range(16)), 0x20b7, "sac-patcher"))
    rng.shuffle(groups)
    vgpu = []
    for magic, key, dev, kind in groups:
        mlabel = obj("magic", magic)
        if kind.startswith("sac"):
            count = a.sac_dualcoder if kind == "sac-dualcoder" else a.sac_patcher
            name = "NVIDIA A40" if dev == 0x2235 else "NVIDIA A30"
            tl = [dict(subsys=0x1500 + i, name="%s-%dQ" % (name[7:], i + 1))
                  for i in range(count)]
        else:
            tl = [t for t in types if t["device"] == dev]
            name = boards[dev]
        for t in tl:
            vgpu.append(triplet(mlabel, key, t["name"], name, dev,
                                t["subsys"]))
            meta["vgpu_list"].append(dict(kind=kind, device=dev,
                                          subsys=t["subsys"]))

    # Fault injection on entries of absent boards and sacrificial slots.
    def victims(kinds):
        return [i for i, e in enumerate(meta["vgpu_list"]) if e["kind"] in kinds]
    if "ptr-outside" in a.corrupt:
        i = victims(["absent"])[0]
        vgpu[i] = (vgpu[i][0], "0xffffffff81000000", vgpu[i][2])
    if "huge-blocks" in a.corrupt:
        i = victims(["absent"])[1]
        rec = bytearray(asm_blob(vgpu[i][1]))
        rec[0] = 0xff
        set_blob(vgpu[i][1], bytes(rec))
    if "bad-sig" in a.corrupt:
        for i in victims(["sac-dualcoder", "sac-patcher"])[:3]:
            sig = bytearray(asm_blob(vgpu[i][2]))
            sig[0] ^= 0x55
            set_blob(vgpu[i][2], bytes(sig))

    def triplets_quads(ts, terminate=True):
        vals = []
        for t in ts:
            vals.extend(t)
        # sentinel: a triplet of NULLs
        return vals + ([0, 0, 0] if terminate else [])

    # Decoys: the marker bytes again, referenced by nothing; and an
    # unrelated relocated pointer table.
    obj("decoy", MAGIC_START)
    obj("decoy", SAC_DUALCODER)
    obj("decoy", SAC_PATCHER[:8])
    strs = [obj("str", ("nvrm string %d\0" % i).encode()) for i in range(64)]
    asm.quads("ptrtab_%d" % rng.randrange(1 << 30), strs, rng.choice([1, 8]))

    # Lists: alignment randomized (a C array would be 8-aligned; do not
    # let the code under test rely on it).
    asm.quads("mock_other_list", triplets_quads(other), rng.choice([1, 8]))
    asm.quads("mock_vgpu_list", triplets_quads(
        vgpu, "no-terminator" not in a.corrupt), rng.choice([1, 8]))
    # The mock bounds its walks by these counts too (a list may lack its
    # terminator under fault injection).
    asm.blob("mock_vgpu_list_count", struct.pack("<I", len(vgpu)), 4)
    asm.blob("mock_other_list_count", struct.pack("<I", len(other)), 4)

    # ---- emit ----------------------------------------------------------
    os.makedirs(a.out, exist_ok=True)
    bulk_len = a.bulk_mb << 20
    bulk = random.Random(a.layout_seed ^ 0x5eed).randbytes(bulk_len)
    bulk_path = os.path.abspath(os.path.join(a.out, "bulk.bin"))
    with open(bulk_path, "wb") as f:
        f.write(bulk)

    items = asm.items[:]
    rng.shuffle(items)
    cuts = sorted(rng.randrange(bulk_len) for _ in range(len(items)))
    lines = [
        "/* Generated by tests/mock/gen_tables.py: do not edit. */",
        "\t.section .rodata.mock_tables,\"a\"",
        "\t.globl mock_tables_start, mock_tables_end",
        "\t.globl mock_other_list, mock_vgpu_list",
        "\t.globl mock_vgpu_list_count, mock_other_list_count",
        "mock_tables_start:",
    ]
    pos = 0
    for cut, (label, kind, payload, align) in zip(cuts, items):
        if cut > pos:
            lines.append('\t.incbin "%s", %d, %d' % (bulk_path, pos, cut - pos))
            pos = cut
        if align > 1:
            lines.append("\t.balign %d" % align)
        lines.append("%s:" % label)
        if kind == "bytes":
            lines.append(asm_bytes(payload))
        else:
            for v in payload:
                lines.append("\t.quad %s" % v)
    lines.append('\t.incbin "%s", %d, %d' % (bulk_path, pos, bulk_len - pos))
    lines.append("mock_tables_end:")
    lines.append('\t.section .note.GNU-stack,"",@progbits')
    with open(os.path.join(a.out, "tables.S"), "w") as f:
        f.write("\n".join(lines) + "\n")

    for g in gpus:
        meta["gpus"].append(dict(name=g["name"], device=g["device"],
                                 subsys=g["subsys"], magic=g["magic"].hex(),
                                 key=g["key"].hex(), magic_off=g["magic_off"],
                                 key_off=g["key_off"]))
    meta["sacrificial_slots"] = a.sac_dualcoder + a.sac_patcher
    with open(os.path.join(a.out, "tables.txt"), "w") as f:
        for g in gpus:
            f.write("gpu %04x %s %s %d %d\n" % (g["device"], g["magic"].hex(),
                    g["key"].hex(), g["magic_off"], g["key_off"]))
        f.write("other %d\n" % len(meta["other_list"]))
        f.write("bulk %d\n" % a.bulk_mb)
        for e in meta["vgpu_list"]:
            f.write("vgpu %s %04x %04x\n" % (e["kind"], e["device"], e["subsys"]))
    with open(os.path.join(a.out, "tables.json"), "w") as f:
        json.dump(meta, f, indent=1)

    if a.fuses:
        for i, g in enumerate(gpus):
            noise = random.Random(a.identity_seed * 100 + i)
            img = bytearray(noise.randbytes(FUSE_SIZE))
            hdr = struct.pack("<IIHHHHBBHII", FUSE_SIGNATURE, 1, 0x10DE,
                              g["device"], 0x10DE, g["subsys"], g["rev"], 0,
                              0, g["magic_off"], g["key_off"])
            img[0:len(hdr)] = hdr
            img[g["magic_off"]:g["magic_off"] + 16] = g["magic"]
            img[g["key_off"]:g["key_off"] + 16] = g["key"]
            name = g["name"].encode()[:31]
            img[0x40:0x60] = name + b"\0" * (32 - len(name))
            with open(os.path.join(a.out, "gpu%d.img" % i), "wb") as f:
                f.write(img)
    return 0


if __name__ == "__main__":
    sys.exit(main())
