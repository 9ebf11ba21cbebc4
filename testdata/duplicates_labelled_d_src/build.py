#!/usr/bin/env python3
"""Validate the set d pairs (d*.py) and write ../duplicates_labelled_d.csv.

Checks: channels; category empty exactly for snap_report and mailbox, otherwise a leaf
code of categories.csv; per-kind distance and time bounds; no ASCII comma, quote or
line break in any text; no text used twice; duplicates more than 300 h apart say the
problem is still unresolved. Then shuffles with a fixed seed, alternates sides A and B,
numbers the pairs 1..N and writes the CSV with LF endings and split=held."""
import glob
import importlib
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "duplicates_labelled_d.csv")
CATS = os.environ.get("GRIDLINE_CATEGORIES", os.path.join(HERE, "..", "..", "categories.csv"))
SEED = 20261127

HEADER = "pair,split,label,kind,channel_a,category_a,text_a,channel_b,category_b,text_b,distance_m,hours_apart"
CHANNELS = {"hotline", "grid_patrol", "property", "snap_report", "video_patrol", "sensor",
            "website", "app", "hazard_report", "walk_in", "mailbox"}
NO_CATEGORY = {"snap_report", "mailbox"}
# kind: (label, min m, max m, min h, max h)
BOUNDS = {
    "dup": (1, 0, 500, 0, 800),
    "same_place_diff_problem": (0, 0, 150, 0, 240),
    "same_problem_nearby": (0, 0, 1500, 0, 400),
    "same_problem_diff_place": (0, 2000, 20000, 0, 400),
    "same_place_later": (0, 0, 300, 800, 9000),
}
STILL = re.compile("还是|还没|还在|仍|依然|依旧|到现在|至今|一直没|没人管|没有处理|未处理|未整改|未修复|再次|又来")
AGAIN = re.compile("第二次|第三次|又|再次|上回|上次|去年|前年|上个月|上月|重新|再一次|刚修|刚清|曾")


def leaf_codes():
    codes = []
    with open(CATS, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#") or line.startswith("code,"):
                continue
            codes.append(line.split(",", 1)[0])
    s = set(codes)
    return {c for c in codes if not any(o != c and o.startswith(c) for o in s)}


def load():
    sys.path.insert(0, HERE)
    pairs = []
    for path in sorted(glob.glob(os.path.join(HERE, "d[0-9]*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        for p in mod.PAIRS:
            pairs.append((os.path.basename(path),) + tuple(p))
    return pairs


def validate(pairs):
    leaves = leaf_codes()
    errs, seen, warn = [], {}, []
    for i, (src, kind, ca, ka, ta, cb, kb, tb, dist, hours) in enumerate(pairs):
        where = f"{src} #{i} ({ta[:14]})"
        if kind not in BOUNDS:
            errs.append(f"{where}: kind {kind}")
            continue
        _, dmin, dmax, hmin, hmax = BOUNDS[kind]
        for ch, cat in ((ca, ka), (cb, kb)):
            if ch not in CHANNELS:
                errs.append(f"{where}: channel {ch}")
            if ch in NO_CATEGORY:
                if cat:
                    errs.append(f"{where}: {ch} must have no category")
            elif cat not in leaves:
                errs.append(f"{where}: category {cat!r} is not a leaf code")
        for t in (ta, tb):
            if re.search(r'[,"\r\n]', t):
                errs.append(f"{where}: comma, quote or line break in text")
            if len(t) < 8:
                errs.append(f"{where}: text too short")
            if t in seen:
                errs.append(f"{where}: text also used in {seen[t]}")
            seen[t] = where
        if ta == tb:
            errs.append(f"{where}: identical texts")
        if not (isinstance(dist, int) and dmin <= dist <= dmax):
            errs.append(f"{where}: distance {dist} outside {dmin}..{dmax} for {kind}")
        if not (isinstance(hours, int) and hmin <= hours <= hmax):
            errs.append(f"{where}: hours {hours} outside {hmin}..{hmax} for {kind}")
        if kind == "dup" and hours > 300 and not STILL.search(tb):
            errs.append(f"{where}: duplicate {hours} h apart but the later text does not say it is still unresolved")
        if kind == "same_place_later" and not AGAIN.search(tb):
            warn.append(f"{where}: recurrence without an explicit marker")
    return errs, warn


def main():
    pairs = load()
    errs, warn = validate(pairs)
    for w in warn:
        print("note:", w)
    if errs:
        for e in errs:
            print("ERROR:", e)
        sys.exit(1)
    rows = [p[1:] for p in pairs]
    random.Random(SEED).shuffle(rows)
    lines = [HEADER]
    for n, (kind, ca, ka, ta, cb, kb, tb, dist, hours) in enumerate(rows, 1):
        if n % 2 == 0:  # alternate which side is the earlier report
            ca, ka, ta, cb, kb, tb = cb, kb, tb, ca, ka, ta
        label = BOUNDS[kind][0]
        lines.append(",".join(str(x) for x in (n, "held", label, kind, ca, ka, ta, cb, kb, tb, dist, hours)))
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    # re-read and check the written file
    with open(OUT, "rb") as f:
        data = f.read()
    assert b"\r" not in data
    got = data.decode("utf-8").split("\n")[:-1]
    assert got[0] == HEADER
    for n, line in enumerate(got[1:], 1):
        cols = line.split(",")
        assert len(cols) == 12, (n, line)
        assert cols[0] == str(n) and cols[1] == "held"
    counts = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1
    dups = counts.get("dup", 0)
    print(f"wrote {len(rows)} pairs to {os.path.normpath(OUT)}: {dups} duplicates ({100 * dups / len(rows):.1f} %)")
    for k in BOUNDS:
        print(f"  {k}: {counts.get(k, 0)}")
    same = sum(1 for r in rows if r[0] == "dup" and r[1] == r[4])
    print(f"  duplicates sharing one channel: {same}")


if __name__ == "__main__":
    main()
