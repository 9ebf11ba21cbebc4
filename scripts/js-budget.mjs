// Initial JavaScript of each page, gzipped, from the built web/dist:
//
//   node scripts/js-budget.mjs [limitKB=1200]
//
// A page's initial JavaScript is the entry chunk (index-*.js) with
// everything it imports statically, and the page's own chunk (the view
// the router imports, e.g. CommandPage-*.js) with everything that
// imports statically — what the browser must fetch and run before the
// page can draw. Chunks a page imports later (import(), such as the
// command centre's charts.js after its first paint) and MapLibre's
// worker are not counted. Sizes are gzip level 9, as http/ui.go sends
// them. Exits 1 if a page is over the limit.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../web/dist/assets');
const limit = Number(process.argv[2] || 1200);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
const gz = new Map(files.map((f) => [f, zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length]));
// Static imports only: `from"./x.js"` and `import"./x.js"`, not `import("./x.js")`.
const deps = (f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/(?:from|import)\s*["'`]\.\/([^"'`]+\.js)["'`]/g)].map((m) => m[1]);
function closure(roots) {
  const seen = new Set();
  const walk = (f) => { if (seen.has(f) || !gz.has(f)) return; seen.add(f); deps(f).forEach(walk); };
  roots.forEach(walk);
  return seen;
}
const entry = files.find((f) => /^index-[\w-]+\.js$/.test(f));
const views = files.filter((f) => /^[A-Z]\w*Page-[\w-]+\.js$|^MobileApp-[\w-]+\.js$/.test(f));
let over = false;
const rows = views.map((v) => {
  const set = closure([entry, v]);
  const kb = [...set].reduce((n, f) => n + gz.get(f), 0) / 1024;
  over ||= kb > limit;
  return [v.replace(/-[\w-]+\.js$/, ''), Math.round(kb), set.size];
}).sort((a, b) => b[1] - a[1]);
for (const [name, kb, n] of rows) console.log(`${name.padEnd(16)} ${String(kb).padStart(5)} KB gz  (${n} chunks)${kb > limit ? '  OVER' : ''}`);
process.exit(over ? 1 : 0);
