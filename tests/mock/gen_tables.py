#!/usr/bin/python3
"""Generate the mock nvidia's read-only tables and the test GPUs' memory.

Independent of the code under test: records are encrypted and signed with
Python's `cryptography` (OpenSSL), following driver-interface.md §6.

The lists look like the real ones ("Measured on a real NVIDIA blob"):
  other-boards list  the magic_start entry first, then hundreds of boards
                     (one triplet each, records of 2-4 blocks): the consumer
                     test GPUs, absent boards, a few vGPU-capable boards
                     again, and (--sac-in-other, the default) the
                     vGPU-Unlock-patcher's sacrificial magic: a magic can be
                     in both lists, as in R535;
  vGPU-capable list  one run of triplets per board (1 to 63 types), 150-180
                     boards by default; records of 2 to 7 blocks (absent
                     boards' entries get synthetic names long enough); the
                     sacrificial block FIRST (--sac-pos first, the default;
                     R535 has one patcher entry there); the native Tesla P40
                     (a test GPU) right after it with --native-pos after-sac.
Everything not given is drawn from --layout-seed: the sacrificial counts
(1 and other small numbers most often), list sizes, where the P40 goes.
The test GPUs' identities (magic, key, offsets) come from --identity-seed
only, so every table set matches the same GPU images.  Target boards of
data/vgpu-types.csv keep their real types.

Outputs (in --out):
  tables.S     assembler source: the tables in .rodata, relocated pointers,
               read-only bulk pulled in with .incbin; and mock_flip_list in
               .data: with --flip-copy K a writable copy of K triplets (the
               mock's flipper rewrites it, see nv.c), else an empty one
  bulk.bin     the bulk bytes (--bulk-mb MiB)
  tables.json  what was generated (for host tests and docs)
  tables.txt   the same for C and shell readers: "gpu", "other", "bulk",
               "vgpu KIND DEVICE SUBSYS BLOCKS" lines (list order) and
               "meta KEY VALUE" lines (sacrificial counts, list lengths,
               the P40's first index, ...)
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

# Real boards in the other-boards list but absent from the test machine.
ABSENT_OTHER = [
    ("GeForce GTX 1070", 0x1b81), ("Quadro P4000", 0x1bb1),
    ("TITAN RTX", 0x1e02), ("GeForce RTX 3090", 0x2204),
    ("Quadro P400", 0x1cb3), ("GeForce GTX 980", 0x13c0),
]
# Boards of the sacrificial runs (the magics' owners are not public).
SAC_BOARDS = {"sac-dualcoder": (0x2235, "NVIDIA A40"),
              "sac-patcher": (0x20b7, "NVIDIA A30")}

# Block counts of the real R535 vGPU-capable list (driver-interface.md §6).
VGPU_BLOCKS = {2: 183, 3: 1144, 4: 243, 5: 119, 6: 278, 7: 134}
OTHER_BLOCKS = {2: 60, 3: 30, 4: 10}
REAL_OTHER, REAL_VGPU_BOARDS, REAL_VGPU_ENTRIES = 1047, 179, 2101

FUSE_SIGNATURE = 0x4B4D564E  # "NVMK"
FUSE_SIZE = 16 << 20
APERTURE_MAPPED = 8 << 20    # the mock maps the first half

FILLER = (" Virtual GPU Software Edition for Compute and Graphics"
          " Workstation Profile Data Center")


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
    assert 1 <= nblocks <= 33 and len(n1) < 256 and len(n2) < 256, \
        (name1, name2)
    plain += b"\0" * (16 * nblocks - len(plain))
    rec = bytes([nblocks]) + aes_ecb(key, plain)
    sig = hmac.new(key, rec, hashlib.sha256).digest()
    return rec, sig, plain


def names_for_blocks(rng, name1, name2, nb):
    """Pad/cut two names so that the record has exactly nb blocks."""
    lo, hi = max(0, 16 * nb - 25), min(16 * nb - 10, 510)
    total = rng.randint(lo, hi)
    n1 = name1[:total]
    rest = total - len(n1)
    if rest > 255:  # u8 name lengths: the first name takes its share
        n1 = (name1 + FILLER * 6)[:total - 255]
        rest = 255
    n2 = (name2 + FILLER * 6)[:rest]
    assert (10 + len(n1) + len(n2) + 15) // 16 == nb
    return n1, n2


def load_types(path):
    types = []
    with open(path) as f:
        for row in csv.reader(l for l in f if not l.startswith("#")):
            if row[0] == "target_device_id":
                continue
            types.append(dict(device=int(row[0], 16), subsys=int(row[1], 16),
                              name=row[2], board=row[3]))
    return types


class Asm:
    """Collects .rodata items; emits them in a shuffled order with bulk."""

    def __init__(self):
        self.items = []  # (label, kind, payload, align)
        self.index = {}

    def blob(self, label, data, align=1):
        self.index[label] = len(self.items)
        self.items.append((label, "bytes", data, align))
        return label

    def quads(self, label, values, align=8):
        self.index[label] = len(self.items)
        self.items.append((label, "quads", values, align))
        return label

    def get(self, label):
        return self.items[self.index[label]][2]

    def set(self, label, data):
        i = self.index[label]
        item = self.items[i]
        self.items[i] = (label, item[1], data, item[3])


def asm_bytes(data):
    out = []
    for i in range(0, len(data), 16):
        out.append("\t.byte " + ",".join("0x%02x" % b for b in data[i:i + 16]))
    return "\n".join(out)


def draw(rng, table):
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--types", required=True)
    ap.add_argument("--identity-seed", type=int, default=1080)
    ap.add_argument("--layout-seed", type=int, default=2080)
    ap.add_argument("--bulk-mb", type=int, default=8)
    ap.add_argument("--sac-dualcoder", type=int, default=None,
                    help="triplets carrying the DualCoder sacrificial magic"
                    " (default: drawn; 0 in half the layouts)")
    ap.add_argument("--sac-patcher", type=int, default=None,
                    help="triplets carrying the vGPU-Unlock-patcher magic"
                    " (default: drawn; 1 most often)")
    ap.add_argument("--sac-pos", choices=["first", "any"], default="first",
                    help="the first sacrificial block (the patcher's, else"
                    " DualCoder's) is the start of the vGPU-capable list, or"
                    " at a drawn place; the other block is anywhere")
    ap.add_argument("--native-pos", choices=["after-sac", "any"],
                    default=None, help="the native P40's run right after the"
                    " first sacrificial block, or anywhere (default: drawn)")
    ap.add_argument("--real-size", action="store_true",
                    help="R535's sizes: 1047 other boards, 179 vGPU boards,"
                    " 2101 vGPU-capable entries")
    ap.add_argument("--other-boards", type=int, default=None,
                    help="other-boards triplets after magic_start"
                    " (default: drawn, 300-1047)")
    ap.add_argument("--vgpu-boards", type=int, default=None,
                    help="runs in the vGPU-capable list (default: drawn,"
                    " 150-180)")
    ap.add_argument("--vgpu-entries", type=int, default=None,
                    help="entries in the vGPU-capable list (default: what"
                    " the drawn runs add up to)")
    ap.add_argument("--scarce", type=int, default=None,
                    help="keep only this many entries of absent boards in"
                    " the vGPU-capable list (too few to borrow from)")
    ap.add_argument("--no-sac-in-other", dest="sac_in_other",
                    action="store_false",
                    help="no patcher magic in the other-boards list")
    ap.add_argument("--flip-copy", type=int, default=0,
                    help="a writable copy of this many triplets in .data for"
                    " the mock's flipper")
    ap.add_argument("--no-magic-start", action="store_true")
    ap.add_argument("--bare-magic-start", action="store_true",
                    help="the magic_start triplet carries no record and no"
                    " signature (NULL pointers)")
    ap.add_argument("--max-blocks", type=int, default=None,
                    help="draw about one absent board's record in eight in"
                    " both lists with 8 to this many blocks (at most 33:"
                    " u8 name lengths), one of each list exactly this many")
    ap.add_argument("--adjacent", action="store_true",
                    help="both lists back to back (other-boards first), no"
                    " terminator: the driver knows their lengths")
    ap.add_argument("--corrupt", action="append", default=[],
                    choices=["ptr-outside", "huge-blocks", "bad-sig",
                             "no-terminator"],
                    help="fault injection: damage the vGPU-capable list")
    ap.add_argument("--fuses", action="store_true")
    a = ap.parse_args()

    idr = random.Random(a.identity_seed)   # GPU identities: variant-stable
    rng = random.Random(a.layout_seed)      # table layout and records
    # faults and the flip copy: their own stream, so that a fault variant
    # has exactly the layout of the set it damages
    frng = random.Random(a.layout_seed ^ 0xfa17)
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

    # ---- the layout's parameters: given, else drawn -------------------
    if a.sac_patcher is None:
        a.sac_patcher = draw(rng, {1: 40, 2: 12, 3: 10, 4: 8, 5: 8, 8: 8,
                                   13: 7, 30: 7})
    else:
        rng.random()
    if a.sac_dualcoder is None:
        a.sac_dualcoder = draw(rng, {0: 50, 1: 15, 2: 15, 4: 10, 30: 10})
    else:
        rng.random()
    if a.native_pos is None:
        a.native_pos = rng.choice(["after-sac", "any"])
    else:
        rng.random()
    if a.real_size:
        a.other_boards = a.other_boards or REAL_OTHER
        a.vgpu_boards = a.vgpu_boards or REAL_VGPU_BOARDS
        a.vgpu_entries = a.vgpu_entries or REAL_VGPU_ENTRIES
    drawn_other = rng.randint(300, REAL_OTHER)
    drawn_vboards = rng.randint(150, 180)
    if a.other_boards is None:
        a.other_boards = drawn_other
    if a.vgpu_boards is None:
        a.vgpu_boards = drawn_vboards

    def rbytes():
        return bytes(rng.getrandbits(8) for _ in range(16))

    asm = Asm()
    meta = dict(gpus=[], other_list=[], vgpu_list=[])
    n = [0]
    used_magics = {MAGIC_START, SAC_DUALCODER, SAC_PATCHER}
    used_magics.update(g["magic"] for g in gpus)

    def new_magic():
        while True:
            m = rbytes()
            if m not in used_magics:
                used_magics.add(m)
                return m

    def obj(prefix, data, align=1):
        n[0] += 1
        return asm.blob(".L%s_%d" % (prefix, n[0]), data, align)

    def draw_blocks(table):
        """A record size drawn from table, or with --max-blocks, large."""
        if a.max_blocks and rng.random() < 1 / 8:
            return rng.randint(8, a.max_blocks)
        return draw(rng, table)

    def triplet(magic_label, key, name1, name2, device, subsys):
        rec, sig, _ = make_record(key, name1, name2, device, subsys, rng)
        return (magic_label, obj("rec", rec, rng.choice([1, 4, 8])),
                obj("sig", sig, rng.choice([1, 4, 8]))), rec[0]

    # Device ids of synthetic boards: none of the catalogue's, the test
    # GPUs' or the named absent boards'.
    taken = set(boards) | {g["device"] for g in gpus} | \
        {d for _, d in ABSENT_OTHER} | {d for d, _ in SAC_BOARDS.values()}

    def new_device(lo, hi):
        while True:
            d = rng.randrange(lo, hi)
            if d not in taken:
                taken.add(d)
                return d

    # ---- vGPU-capable list: one run per board ---------------------------
    # run: dict(kind, magic, key, device, name, types=[(subsys, name, nb)])
    native = [g for g in gpus if g["device"] in boards]
    runs = []
    for g in native:
        runs.append(dict(kind="native", magic=g["magic"], key=g["key"],
                         device=g["device"], name=boards[g["device"]],
                         types=[(t["subsys"], t["name"], None) for t in types
                                if t["device"] == g["device"]]))
    for dev in sorted(boards):
        if any(g["device"] == dev for g in native):
            continue
        runs.append(dict(kind="absent", magic=new_magic(), key=rbytes(),
                         device=dev, name=boards[dev],
                         types=[(t["subsys"], t["name"], None) for t in types
                                if t["device"] == dev]))
    sac_runs = []
    for kind, count, magic in (("sac-patcher", a.sac_patcher, SAC_PATCHER),
                               ("sac-dualcoder", a.sac_dualcoder,
                                SAC_DUALCODER)):
        if count <= 0:
            continue
        dev, name = SAC_BOARDS[kind]
        sac_runs.append(dict(kind=kind, magic=magic, key=rbytes(), device=dev,
                             name=name,
                             types=[(0x1500 + i, "%s-%dQ" % (name[7:], i + 1),
                                     None) for i in range(count)]))
    nsynth = max(0, a.vgpu_boards - len(runs) - len(sac_runs))
    synth = []
    for i in range(nsynth):
        dev = new_device(0x1e00, 0x2fff)
        family = rng.choice(["NVIDIA A", "NVIDIA L", "NVIDIA H", "Tesla X",
                             "NVIDIA RTX ", "Quadro Q"])
        name = "%s%d" % (family, rng.randrange(2, 200))
        count = 1 if rng.random() < 43 / 179 else \
            max(2, min(63, int(rng.lognormvariate(2.45, 0.7))))
        synth.append(dict(kind="absent", magic=new_magic(), key=rbytes(),
                          device=dev, name=name, count=count))
    if a.vgpu_entries is not None and synth:
        fixed = sum(len(r["types"]) for r in runs + sac_runs)
        multi = [s for s in synth if s["count"] > 1] or synth
        total = fixed + sum(s["count"] for s in synth)
        guard = 0
        while total != a.vgpu_entries and guard < 100000:
            guard += 1
            s = rng.choice(multi)
            if total < a.vgpu_entries and s["count"] < 63:
                s["count"] += 1
                total += 1
            elif total > a.vgpu_entries and s["count"] > 2:
                s["count"] -= 1
                total -= 1
    for s in synth:
        short = s["name"].split()[-1]
        tl = []
        for j in range(s["count"]):
            tname = "%s-%d%s" % (short, rng.choice([1, 2, 3, 4, 6, 8, 12, 16,
                                                    24, 48]),
                                 rng.choice("QABC"))
            tl.append((0x1400 + j, tname, draw_blocks(VGPU_BLOCKS)))
        runs.append(dict(kind="absent", magic=s["magic"], key=s["key"],
                         device=s["device"], name=s["name"], types=tl))

    if a.scarce is not None:
        keep, left = [], a.scarce
        for r in runs:
            if r["kind"] != "absent":
                keep.append(r)
            elif left > 0:
                r["types"] = r["types"][:left]
                left -= len(r["types"])
                keep.append(r)
        runs = keep

    # Order: the first sacrificial block first (or at a drawn place), the
    # native P40 right after it or anywhere, the rest shuffled.
    first_sac = sac_runs[0] if sac_runs else None
    p40 = next((r for r in runs if r["kind"] == "native"), None)
    rest = [r for r in runs + sac_runs[1:]
            if not (a.native_pos == "after-sac" and first_sac and r is p40)]
    rng.shuffle(rest)
    head = []
    if first_sac:
        head.append(first_sac)
        if a.native_pos == "after-sac" and p40:
            head.append(p40)
    pos = 0 if a.sac_pos == "first" else rng.randrange(len(rest) + 1)
    order = rest[:pos] + head + rest[pos:]

    if a.max_blocks:  # the extreme once in each list
        r = rng.choice([r for r in order if r["kind"] == "absent"])
        j = rng.randrange(len(r["types"]))
        r["types"][j] = r["types"][j][:2] + (a.max_blocks,)

    vgpu = []
    for r in order:
        mlabel = obj("magic", r["magic"])
        for subsys, tname, nb in r["types"]:
            n1, n2 = tname, r["name"]
            if nb is not None:
                n1, n2 = names_for_blocks(rng, tname, r["name"], nb)
            t, blocks = triplet(mlabel, r["key"], n1, n2, r["device"], subsys)
            vgpu.append(t)
            meta["vgpu_list"].append(dict(kind=r["kind"], device=r["device"],
                                          subsys=subsys, blocks=blocks,
                                          board=r["name"]))

    # ---- other-boards list: magic_start entry first ---------------------
    other = []
    ms_label = obj("magic", MAGIC_START if not a.no_magic_start
                   else bytes(idr.getrandbits(8) for _ in range(16)))
    ms = triplet(ms_label, rbytes(), "magic_start", "", 0x0000, 0x0000)[0]
    other.append((ms[0], 0, 0) if a.bare_magic_start else ms)
    entries = []  # (magic, key, name1, name2, device, subsys, kind, nb)
    for g in gpus:
        if g["device"] in boards:
            continue  # native boards live in the vGPU-capable list
        entries.append((g["magic"], g["key"], g["name"], "", g["device"],
                        g["subsys"], "consumer", None))
    for name, dev in ABSENT_OTHER:
        entries.append((new_magic(), rbytes(), name, name.split()[-1], dev,
                        0x1000 + dev % 0x100, "absent", None))
    if a.sac_in_other:
        # As in R535: the patcher's magic is in both lists (another key).
        entries.append((SAC_PATCHER, rbytes(), "NVIDIA A30", "GA100",
                        0x20b7, 0x1532, "sac-patcher", None))
    # A few absent vGPU-capable boards are in this list too (same key).
    absent_runs = [r for r in order if r["kind"] == "absent"]
    for r in rng.sample(absent_runs, min(3, len(absent_runs))):
        entries.append((r["magic"], r["key"], r["name"], "", r["device"],
                        0x1000 + r["device"] % 0x100, "vgpu-board", None))
    while len(entries) < a.other_boards:
        dev = new_device(0x1000, 0x2fff)
        chip = rng.choice(["GM20", "GP10", "GV10", "TU10", "GA10", "AD10"]) + \
            str(rng.randrange(0, 8))
        entries.append((new_magic(), rbytes(),
                        "NVIDIA Graphics Device %04X" % dev, chip, dev,
                        rng.randrange(0x1000, 0x2000), "absent",
                        draw_blocks(OTHER_BLOCKS)))
    rng.shuffle(entries)
    if a.max_blocks:
        j = rng.choice([i for i, e in enumerate(entries) if e[7] is not None])
        entries[j] = entries[j][:7] + (a.max_blocks,)
    for magic, key, n1, n2, dev, ss, kind, nb in entries:
        if nb is not None:
            n1, n2 = names_for_blocks(rng, n1, n2, nb)
        t, blocks = triplet(obj("magic", magic), key, n1, n2, dev, ss)
        other.append(t)
        meta["other_list"].append(dict(name=n1, device=dev, kind=kind,
                                       blocks=blocks))

    # ---- fault injection (its own random stream) ------------------------
    def victims(kinds):
        return [i for i, e in enumerate(meta["vgpu_list"]) if e["kind"] in kinds]
    # damaged entries: absent boards' entries in the second half of the list
    late = [i for i in victims(["absent"]) if i >= len(vgpu) // 2]
    picks = frng.sample(late, min(2, len(late)))
    faults = {}
    if "ptr-outside" in a.corrupt:
        i = picks[0]
        vgpu[i] = (vgpu[i][0], "0xffffffff81000000", vgpu[i][2])
        faults["ptr-outside"] = i
    if "huge-blocks" in a.corrupt:
        i = picks[1]
        rec = bytearray(asm.get(vgpu[i][1]))
        rec[0] = 0xff
        asm.set(vgpu[i][1], bytes(rec))
        faults["huge-blocks"] = i
    if "bad-sig" in a.corrupt:
        faults["bad-sig"] = victims(["sac-dualcoder", "sac-patcher"])[:3]
        for i in faults["bad-sig"]:
            sig = bytearray(asm.get(vgpu[i][2]))
            sig[0] ^= 0x55
            asm.set(vgpu[i][2], bytes(sig))

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
    asm.quads(".Lptrtab_%d" % rng.randrange(1 << 30), strs, rng.choice([1, 8]))

    # Lists: alignment randomized (a C array would be 8-aligned; do not
    # let the code under test rely on it).
    if a.adjacent:
        # One item: the vGPU-capable list starts where the other ends.
        asm.quads("mock_other_list", triplets_quads(other, False) +
                  triplets_quads(vgpu, False), rng.choice([1, 8]))
    else:
        asm.quads("mock_other_list", triplets_quads(other),
                  rng.choice([1, 8]))
        asm.quads("mock_vgpu_list", triplets_quads(
            vgpu, "no-terminator" not in a.corrupt), rng.choice([1, 8]))
    # The mock bounds its walks by these counts too (a list may lack its
    # terminator under fault injection).
    asm.blob("mock_vgpu_list_count", struct.pack("<I", len(vgpu)), 4)
    asm.blob("mock_other_list_count", struct.pack("<I", len(other)), 4)

    # ---- the writable copy for the flipper (.data) ----------------------
    flip = []
    if a.flip_copy > 0:
        p40_first = next((i for i, e in enumerate(meta["vgpu_list"])
                          if e["kind"] == "native"), 0)
        cand = [0, p40_first] + victims(["absent"])[:1]
        cand += victims(["sac-dualcoder", "sac-patcher"])[1:2]
        cand += frng.sample(range(len(vgpu)), len(vgpu))
        seen = []
        for i in cand:
            if i not in seen:
                seen.append(i)
        flip = [vgpu[i] for i in seen[:a.flip_copy]]
        meta["flip_copy"] = seen[:a.flip_copy]

    vl = meta["vgpu_list"]
    p40_first = next((i for i, e in enumerate(vl) if e["device"] == 0x1b38
                      and e["kind"] == "native"), -1)
    sac_idx = [i for i, e in enumerate(vl) if e["kind"].startswith("sac")]
    hist = {}
    for e in vl:
        hist[e["blocks"]] = hist.get(e["blocks"], 0) + 1
    summary = dict(
        sacrificial=a.sac_dualcoder + a.sac_patcher,
        sac_patcher=a.sac_patcher, sac_dualcoder=a.sac_dualcoder,
        sac_first=sac_idx[0] if sac_idx else -1,
        p40_first=p40_first,
        p40_after_sac=int(bool(sac_idx) and p40_first >= 0 and any(
            p40_first == i + 1 for i in sac_idx)),
        vgpu_entries=len(vl),
        vgpu_boards=len(order),
        other_entries=len(other),   # with the magic_start entry
        sac_in_other=int(a.sac_in_other),
        both_lists=sum(1 for e in meta["other_list"]
                       if e["kind"] in ("vgpu-board", "sac-patcher")),
        flip_copy=len(flip),
        layout_seed=a.layout_seed,
    )
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
            for i in range(0, len(payload), 3):
                lines.append("\t.quad " + ",".join(str(v) for v in
                                                   payload[i:i + 3]))
    lines.append('\t.incbin "%s", %d, %d' % (bulk_path, pos, bulk_len - pos))
    lines.append("mock_tables_end:")
    if a.adjacent:
        lines.append("\t.set mock_vgpu_list, mock_other_list + %d" %
                     (24 * len(other)))
    # What was drawn, for /proc/driver/nvidia-mock/layout (mock.h
    # MOCK_LAYOUT_*; signed values as two's complement u32).
    lines.append("\t.globl mock_layout")
    lines.append("\t.balign 4")
    lines.append("mock_layout:")
    lines.append("\t.long " + ",".join(str(v & 0xffffffff) for v in
                                        summary.values()))
    # Writable data: the flip copy (count 0 and a NULL triplet without
    # --flip-copy); 8-aligned or at 4 mod 8 (pointer stores then straddle).
    lines += [
        "\t.section .data.mock_flip,\"aw\"",
        "\t.globl mock_flip_list, mock_flip_count",
        "\t.balign 8",
        "mock_flip_count:",
        "\t.long %d" % len(flip),
    ]
    if frng.random() < 0.5:
        lines.append("\t.long 0")
    lines.append("mock_flip_list:")
    for t in flip:
        lines.append("\t.quad %s,%s,%s" % t)
    lines.append("\t.quad 0,0,0")
    lines.append('\t.section .note.GNU-stack,"",@progbits')
    with open(os.path.join(a.out, "tables.S"), "w") as f:
        f.write("\n".join(lines) + "\n")

    for g in gpus:
        meta["gpus"].append(dict(name=g["name"], device=g["device"],
                                 subsys=g["subsys"], magic=g["magic"].hex(),
                                 key=g["key"].hex(), magic_off=g["magic_off"],
                                 key_off=g["key_off"]))
    meta["sacrificial_slots"] = summary["sacrificial"]
    meta["summary"] = summary
    meta["vgpu_blocks"] = {str(k): v for k, v in sorted(hist.items())}
    meta["faults"] = faults
    with open(os.path.join(a.out, "tables.txt"), "w") as f:
        for g in gpus:
            f.write("gpu %04x %s %s %d %d\n" % (g["device"], g["magic"].hex(),
                    g["key"].hex(), g["magic_off"], g["key_off"]))
        f.write("other %d\n" % len(meta["other_list"]))
        f.write("bulk %d\n" % a.bulk_mb)
        for k, v in summary.items():
            f.write("meta %s %d\n" % (k, v))
        f.write("meta vgpu_blocks %s\n" % ",".join(
            "%d:%d" % kv for kv in sorted(hist.items())))
        for e in vl:
            f.write("vgpu %s %04x %04x %d\n" % (e["kind"], e["device"],
                                                e["subsys"], e["blocks"]))
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
