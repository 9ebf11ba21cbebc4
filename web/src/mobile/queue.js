// The phone app's outbox: every report and action the grid worker makes
// is put here first, in IndexedDB (photos as Blobs), and sent from here
// when there is a network — at once, when the network returns, and
// again with a growing wait after a failure. Each item carries the
// Idempotency-Key it was made with, so a send that reached the server but
// whose answer was lost is answered again, never taken in twice.
import { reactive, toRaw } from 'vue';
import { request } from '../api/client.js';

const DB = 'gridline-m';
const STORE = 'outbox';

// outbox is what the page shows: the current user's items, oldest first,
// each {key, user, kind, path, part, body, photos, label, state, reason,
// tries, nextAt, createdAt}; state is pending, sending or failed.
export const outbox = reactive({ items: [], user: 0, lastSent: null });

let dbp = null;
function db() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbp;
}

function tx(mode, fn) {
  return db().then((d) => new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const out = fn(t.objectStore(STORE));
    t.oncomplete = () => resolve(out && 'result' in out ? out.result : undefined);
    t.onerror = () => reject(t.error);
  }));
}

// newKey returns a random UUID (v4). crypto.randomUUID needs a secure
// context; an intranet served over plain HTTP has getRandomValues only.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// load reads the outbox of user (the signed-in account's id) for the page.
export async function load(user) {
  outbox.user = user;
  const all = await tx('readonly', (s) => s.getAll());
  outbox.items = (all || []).filter((it) => it.user === user).sort((a, b) => a.createdAt - b.createdAt);
}

async function put(item) {
  // A stored copy, not the page's reactive proxy (IndexedDB clones
  // plain objects and Blobs only).
  const plain = { ...toRaw(item), body: JSON.parse(JSON.stringify(toRaw(item).body)), photos: [...toRaw(item).photos].map(toRaw) };
  await tx('readwrite', (s) => s.put(plain));
  await load(outbox.user);
}

// enqueue keeps a report (kind 'report': path 'tickets', part 'ticket')
// or an action (kind 'action': path 'tickets/{id}/actions/{action}',
// part 'action') with its photos, and tries to send it at once.
export async function enqueue({ kind, path, part, body, photos = [], label }) {
  const item = {
    key: newKey(), user: outbox.user, kind, path, part, body, photos, label,
    state: 'pending', reason: '', tries: 0, nextAt: 0, createdAt: Date.now(),
  };
  await put(item);
  flush();
  return item;
}

// remove drops an item the worker gave up on.
export async function remove(key) {
  await tx('readwrite', (s) => s.delete(key));
  await load(outbox.user);
}

// retry sends a failed item again now.
export async function retry(key) {
  const it = outbox.items.find((x) => x.key === key);
  if (!it) return;
  await put({ ...toRaw(it), state: 'pending', nextAt: 0 });
  flush();
}

// backoff is the wait before the nth retry: 2 s, 4 s, 8 s … at most 5 min.
export function backoff(tries) {
  return Math.min(2000 * 2 ** Math.max(0, tries - 1), 300000);
}

// A failure is retried by itself when the network or the server may do
// better later; the others (refused by the loop, bad input, another
// grid's case) wait for the worker, with the server's reason.
function retryable(err) {
  return err.status === 0 || waitsForSignIn(err) || err.status === 408 || err.status === 429 || err.status >= 500;
}

// waitsForSignIn: the session is gone, or its CSRF token is not known yet
// (the app opened offline): sent again once auth/me has answered.
function waitsForSignIn(err) {
  return err.status === 401 || (err.status === 403 && err.code === 'csrf');
}

let flushing = null;

// flush sends what is due, one item at a time, oldest first. It returns
// the running flush if one is under way.
export function flush() {
  if (!flushing) flushing = run().finally(() => { flushing = null; });
  return flushing;
}

async function run() {
  for (;;) {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return;
    const now = Date.now();
    const due = outbox.items.find((it) => it.state === 'pending' && it.nextAt <= now);
    if (!due) return;
    if (!(await send(toRaw(due)))) return;
  }
}

// send sends one item and reports whether the flush should go on: not
// after a failure that the next items would meet too (no network, signed
// out).
async function send(item) {
  await put({ ...item, state: 'sending' });
  const form = new FormData();
  form.append(item.part, new Blob([JSON.stringify(item.body)], { type: 'application/json' }));
  item.photos.forEach((p, i) => form.append('photo', p, p.name || `photo-${i + 1}.jpg`));
  try {
    const answer = await request('POST', item.path, { form, headers: { 'Idempotency-Key': item.key } });
    await tx('readwrite', (s) => s.delete(item.key));
    outbox.lastSent = { key: item.key, kind: item.kind, label: item.label, answer };
    await load(outbox.user);
    return true;
  } catch (err) {
    const tries = item.tries + 1;
    const again = retryable(err);
    const reason = err.status === 0 ? 'offline' : waitsForSignIn(err) ? 'signedOut' : err.message;
    await put({ ...item, state: again ? 'pending' : 'failed', reason, tries, nextAt: Date.now() + backoff(tries) });
    return err.status !== 0 && !waitsForSignIn(err);
  }
}

let timer = 0;

// resumeOnline makes what waited for the network due now and sends it:
// the page calls it when the network is back and auth/me has answered
// (so the session's CSRF token is known).
export async function resumeOnline() {
  for (const it of outbox.items.filter((x) => x.state === 'pending' && x.reason === 'offline')) {
    await put({ ...toRaw(it), nextAt: 0 });
  }
  flush().catch(() => {});
}

// start loads user's outbox and checks every 5 s for items whose wait is
// over. An item left "sending" by a page closed mid-send is pending
// again: its key makes the resend safe.
export async function start(user) {
  await load(user);
  for (const it of outbox.items.filter((x) => x.state === 'sending')) await put({ ...toRaw(it), state: 'pending' });
  clearInterval(timer);
  timer = setInterval(() => flush().catch(() => {}), 5000);
}

// stop ends the timer (the page left).
export function stop() {
  clearInterval(timer);
}
