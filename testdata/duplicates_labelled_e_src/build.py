#!/usr/bin/env python3
"""build.py validates the hand-written pairs in e*.txt and writes ../duplicates_labelled_e.csv.

Line format (one pair per line, earlier report first):
  K|chA|catA|textA|chB|catB|textB|distance_m|hours_apart
K: D dup, P same_place_diff_problem, N same_problem_nearby, F same_problem_diff_place, L same_place_later.
"""
import csv, glob, os, random, re, sys, collections

HERE = os.path.dirname(os.path.abspath(__file__))
CATS = os.environ.get('GRIDLINE_CATEGORIES', '/work/main/categories.csv')
KIND = {'D': 'dup', 'P': 'same_place_diff_problem', 'N': 'same_problem_nearby',
        'F': 'same_problem_diff_place', 'L': 'same_place_later'}
CH = {'H': 'hotline', 'G': 'grid_patrol', 'P': 'property', 'S': 'snap_report', 'V': 'video_patrol',
      'X': 'sensor', 'W': 'website', 'A': 'app', 'Z': 'hazard_report', 'K': 'walk_in', 'M': 'mailbox'}
BOUNDS = {'dup': (0, 500, 0, 2500), 'same_place_diff_problem': (0, 150, 0, 300),
          'same_problem_nearby': (0, 1500, 0, 400), 'same_problem_diff_place': (2000, 25000, 0, 400),
          'same_place_later': (0, 300, 800, 9000)}
UNRESOLVED = re.compile('至今|还没|没修|没动静|到现在|还是没|一直|反映过|打过电话|没有结果|还在|没人来|还没有|无果|又一年')
RECUR = re.compile('又|再次|复|上次|上回|去年|今年|告警已于|第二次|两个月|一个多月|上个月|拆除后')

leaves = {}
with open(CATS, encoding='utf-8') as f:
    for row in csv.reader(l for l in f if not l.startswith('#')):
        if row and row[0] != 'code':
            leaves[row[0]] = row[1]
leaf = {c for c in leaves if not any(o != c and o.startswith(c) for o in leaves)}

errors, rows, seen = [], [], set()
for path in sorted(glob.glob(os.path.join(HERE, '[en][0-9].txt'))):
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if not line.strip():
            continue
        f = line.split('|')
        where = f'{os.path.basename(path)}:{n}'
        if len(f) != 9:
            errors.append(f'{where}: {len(f)} fields'); continue
        k, ca, ka, ta, cb, kb, tb, d, h = f
        kind = KIND[k]
        ca, cb = CH[ca], CH[cb]
        for ch, cat in ((ca, ka), (cb, kb)):
            if ch in ('snap_report', 'mailbox'):
                if cat: errors.append(f'{where}: {ch} with category')
            elif cat not in leaf:
                errors.append(f'{where}: bad category {cat!r}')
        for t in (ta, tb):
            if re.search('[,"\r\n]', t) or not t.strip():
                errors.append(f'{where}: bad text {t!r}')
            if t in seen:
                errors.append(f'{where}: text used twice {t!r}')
            seen.add(t)
        d, h = int(d), int(h)
        lo, hi, tlo, thi = BOUNDS[kind]
        if not (lo <= d <= hi and tlo <= h <= thi):
            errors.append(f'{where}: {kind} out of bounds d={d} h={h}')
        if kind == 'dup' and h > 300 and not UNRESOLVED.search(tb):
            errors.append(f'{where}: dup {h} h apart without unresolved marker')
        if kind == 'same_place_later' and not RECUR.search(tb):
            errors.append(f'{where}: later without recurrence marker')
        rows.append([kind, ca, ka, ta, cb, kb, tb, d, h])
if errors:
    print('\n'.join(errors)); sys.exit(1)

rng = random.Random(20261128)
rng.shuffle(rows)
out = os.path.join(HERE, '..', 'duplicates_labelled_e.csv')
with open(out, 'w', encoding='utf-8', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow('pair,split,label,kind,channel_a,category_a,text_a,channel_b,category_b,text_b,distance_m,hours_apart'.split(','))
    for i, (kind, ca, ka, ta, cb, kb, tb, d, h) in enumerate(rows, 1):
        if i % 2 == 0:
            ca, ka, ta, cb, kb, tb = cb, kb, tb, ca, ka, ta
        w.writerow([i, 'held', 1 if kind == 'dup' else 0, kind, ca, ka, ta, cb, kb, tb, d, h])

# Re-read and check.
with open(out, encoding='utf-8', newline='') as f:
    data = list(csv.reader(f))
assert data[0][0] == 'pair' and len(data[0]) == 12
body = data[1:]
assert all(len(r) == 12 and r[1] == 'held' for r in body)
assert [int(r[0]) for r in body] == list(range(1, len(body) + 1))
assert len({tuple(r[2:]) for r in body}) == len(body), 'duplicate rows'
assert b'\r' not in open(out, 'rb').read()
for r in body:
    for ch, cat in ((r[4], r[5]), (r[7], r[8])):
        assert (cat == '') == (ch in ('snap_report', 'mailbox')) and (cat == '' or cat in leaf)

kinds = collections.Counter((r[3], r[2]) for r in body)
chans = collections.Counter(c for r in body for c in (r[4], r[7]))
print('pairs', len(body), 'dup', sum(r[2] == '1' for r in body))
for k, v in sorted(kinds.items()): print(' ', k, v)
for k, v in chans.most_common(): print(' ', k, v)
cats = {c for r in body for c in (r[5], r[8]) if c}
print('distinct codes', len(cats))
dups = [r for r in body if r[3] == 'dup']
print('dup with different code (both coded)', sum(1 for r in dups if r[5] and r[8] and r[5] != r[8]),
      'one side uncoded', sum(1 for r in dups if not (r[5] and r[8])))
print('dup same channel', sum(1 for r in dups if r[4] == r[7]))
import statistics
for kind in KIND.values():
    ds = [int(r[10]) for r in body if r[3] == kind]; hs = [int(r[11]) for r in body if r[3] == kind]
    print(kind, 'dist median', statistics.median(ds), 'range', min(ds), max(ds), 'hours median', statistics.median(hs), 'range', min(hs), max(hs))
print('dup >150 m', sum(int(r[10]) > 150 for r in dups), 'dup >72 h', sum(int(r[11]) > 72 for r in dups), 'dup >300 h', sum(int(r[11]) > 300 for r in dups))
def bigr(t): return {t[i:i+2] for i in range(len(t)-1)}
def jac(a, b):
    A, B = bigr(a), bigr(b); return len(A & B) / max(1, len(A | B))
for kind in KIND.values():
    js = [jac(r[6], r[9]) for r in body if r[3] == kind]
    print(kind, 'bigram jaccard median %.3f' % statistics.median(js))
hot = {c[:3] for r in body for c in (r[5], r[8]) if c.startswith('2')}
print('hotline main classes', sorted(hot))
