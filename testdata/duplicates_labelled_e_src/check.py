#!/usr/bin/env python3
"""check.py re-reads duplicates_labelled_e.csv independently of build.py."""
import csv, collections, os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
cats = os.environ.get('GRIDLINE_CATEGORIES', '/work/main/categories.csv')
codes = {}
with open(cats, encoding='utf-8') as f:
    for row in csv.reader(l for l in f if not l.startswith('#')):
        if row and row[0] != 'code': codes[row[0]] = row[1]
leaf = {c for c in codes if not any(o != c and o.startswith(c) for o in codes)}
raw = open(os.path.join(HERE, '..', 'duplicates_labelled_e.csv'), 'rb').read()
assert not raw.startswith(b'\xef\xbb\xbf') and b'\r' not in raw
rows = list(csv.reader(raw.decode('utf-8').splitlines()))
hdr = 'pair,split,label,kind,channel_a,category_a,text_a,channel_b,category_b,text_b,distance_m,hours_apart'.split(',')
assert rows[0] == hdr, rows[0]
body = rows[1:]
CH = {'hotline','grid_patrol','property','snap_report','video_patrol','sensor','website','app','hazard_report','walk_in','mailbox'}
KINDS = {'dup':'1','same_place_diff_problem':'0','same_problem_nearby':'0','same_problem_diff_place':'0','same_place_later':'0'}
bad = 0
for r in body:
    assert len(r) == 12, r
    assert r[1] == 'held' and KINDS[r[3]] == r[2], r[:4]
    for ch, cat in ((r[4], r[5]), (r[7], r[8])):
        assert ch in CH, ch
        if ch in ('snap_report', 'mailbox'): assert cat == '', r[0]
        elif cat not in leaf: print('bad code', r[0], cat); bad += 1
    int(r[10]); int(r[11])
assert [int(r[0]) for r in body] == list(range(1, len(body) + 1))
keys = collections.Counter(tuple(r[2:]) for r in body)
unordered = collections.Counter(frozenset([(r[4], r[5], r[6]), (r[7], r[8], r[9])]) for r in body)
assert max(keys.values()) == 1 and max(unordered.values()) == 1, 'duplicate rows'
texts = collections.Counter(t for r in body for t in (r[6], r[9]))
print('rows', len(body), 'bad codes', bad, 'max text reuse', max(texts.values()))
sys.exit(1 if bad else 0)
