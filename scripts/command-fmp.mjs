// Cold loads of the command centre (/command), each in a fresh browser
// context (empty cache), with the first meaningful paint of each:
//
//   GRIDLINE_URL=http://127.0.0.1:18104 node scripts/command-fmp.mjs [loads=5]
//
// The paint is observed from outside the page, so that builds without
// the page's own mark (CommandPage.vue, FMP_MARK) can be compared side by
// side: the first animation frame, from navigation start, at which the
// seven cards hold figures and the map has the county's grids and the
// case cells and has nothing left to load (map.loaded()). To compare two
// builds, alternating, each on a fresh copy of one demo database:
// scripts/command-fmp-ab.sh. The page's own
// mark is printed beside it when there is one.
//
// On a shared machine the wall-clock figure follows the load; the CPU time
// the load cost does much less: Chromium's (every process of it: page,
// GPU — that is, SwiftShader — and network) and, with GRIDLINE_PID set to
// the server's process id, the server's, both from /proc, in CPU
// seconds from navigation until the paint. Needs web/node_modules
// (playwright-core) and Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '../web/package.json'));
const { chromium } = require('playwright-core');

const BASE = (process.env.GRIDLINE_URL || '').replace(/\/+$/, '');
const REGION = process.env.GRIDLINE_REGION || '370812';
const loads = Number(process.argv[2] || 5);
if (!BASE) {
  console.error('command-fmp: set GRIDLINE_URL');
  process.exit(2);
}
const res = await fetch(`${BASE}/api/v1/auth/login`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'command', password: process.env.GRIDLINE_PASSWORD || 'demo1234' }),
});
const { token } = await res.json();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// cpu returns the CPU seconds of pid and its descendants, those that
// ended and were reaped included (Linux /proc); with children, of its
// descendants only.
function cpu(pid, children = false) {
  const procs = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch { /* gone meanwhile */ }
  }
  let ticks = 0;
  const walk = (p) => {
    ticks += procs.get(p)?.ticks || 0;
    for (const [c, v] of procs) if (v.ppid === p) walk(c);
  };
  if (children) {
    for (const [c, v] of procs) if (v.ppid === pid) walk(c);
  } else {
    walk(pid);
  }
  return ticks / 100; // USER_HZ
}
const serverPid = Number(process.env.GRIDLINE_PID || 0);
const browserCPU = () => cpu(process.pid, true); // Chromium is this script's child
const probe = () => {
  const look = () => {
    const map = window.__ccMap;
    const cards = [...document.querySelectorAll('[data-testid^="card-"]')];
    const fs = (s) => (map && map.getSource(s) ? map.getSource(s).serialize().data.features || [] : []);
    // The grids: their own source, or (since fmp2) the one of the county,
    // its towns and grids, told apart by kind.
    const grids = fs('grids').length + fs('boundaries').filter((f) => f.properties.kind === 'grid').length;
    if (cards.length === 7 && cards.every((el) => el.dataset.value !== '') && fs('cells').length > 0 && grids > 0 && map.loaded()) {
      // Seen in this frame's callbacks: painted at the end of it.
      window.__probeFMP = performance.now();
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
};
const rows = [];
for (let i = 0; i < loads; i++) {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  await context.addInitScript((t) => { localStorage.setItem('gridline.token', t); }, token);
  await context.addInitScript(probe);
  const page = await context.newPage();
  const cpu0 = [browserCPU(), serverPid ? cpu(serverPid) : 0];
  await page.goto(`${BASE}/command?region=${REGION}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__probeFMP > 0, null, { timeout: 180_000, polling: 100 });
  const cpuUsed = [browserCPU() - cpu0[0], serverPid ? cpu(serverPid) - cpu0[1] : null];
  const r = await page.evaluate(() => ({
    probe: Math.round(window.__probeFMP),
    mark: Math.round(performance.getEntriesByName('gridline:command-fmp')[0]?.startTime || 0) || null,
    js: Math.round(performance.getEntriesByType('resource').filter((e) => /\.m?js(\?|$)/.test(e.name) && !/worker/.test(e.name)
      && e.startTime <= window.__probeFMP).reduce((n, e) => n + e.encodedBodySize, 0) / 1024),
    // The page's steps (CommandPage.vue), where it has them.
    steps: Object.fromEntries([['dom', performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd],
      ...performance.getEntriesByType('mark').filter((m) => m.name.startsWith('gridline:command-'))
        .map((m) => [m.name.slice('gridline:command-'.length), m.startTime])].map(([k, v]) => [k, Math.round(v)])),
  }));
  r.cpu = cpuUsed;
  rows.push(r);
  console.log(`load ${i + 1}: first meaningful paint ${r.probe} ms (page's mark ${r.mark ?? '—'} ms), JavaScript before it ${r.js} KB gzipped; CPU s browser ${r.cpu[0].toFixed(2)}, server ${r.cpu[1] == null ? '—' : r.cpu[1].toFixed(2)}; steps ${JSON.stringify(r.steps)}`);
  await context.close();
}
await browser.close();
const sorted = rows.map((r) => r.probe).sort((a, b) => a - b);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median of ${loads}: ${med(sorted)} ms (min ${sorted[0]}, max ${sorted[sorted.length - 1]}); CPU s browser ${med(rows.map((r) => r.cpu[0])).toFixed(2)}`
  + (serverPid ? `, server ${med(rows.map((r) => r.cpu[1])).toFixed(2)}` : ''));
