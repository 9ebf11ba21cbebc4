// The phone app's outbox: every report and action the grid worker makes
// is put here first, in IndexedDB (photos as Blobs), and sent from here
// when there is a network — at once, when the network returns, and
// again with a growing wait after a failure. Each item carries the
// Idempotency-Key it was made with, so a send that reached the server but
// whose answer was lost is answered again, never taken in twice.
//
// Beside it, the worker's tasks as last read online (keepTasks): a
// minimal copy of each, so a task opens and its action is made without a
// network. Kept per account, dropped at sign-out and after TASK_TTL.
import { reactive, toRaw } from 'vue';
import { photoForm, request } from '../api/client.js';

const DB = 'gridline-m';
const STORE = 'outbox';
const TASKS = 'tasks';

// outbox is what the page shows: the current user's items, oldest first,
// each {key, user, kind, path, part, body, photos, label, ticket, state,
// reason, conflict, tries, nextAt, createdAt}; state is pending, sending
// or failed; ticket is an action's case id.
export const outbox = reactive({ items: [], user: 0, lastSent: null });

let dbp = null;
function db() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      // Version 2 adds the kept tasks, keyed [user, case id].
      const req = indexedDB.open(DB, 2);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains(STORE)) d.createObjectStore(STORE, { keyPath: 'key' });
        if (!d.objectStoreNames.contains(TASKS)) d.createObjectStore(TASKS, { keyPath: ['user', 'id'] });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbp;
}

function tx(mode, fn, store = STORE) {
  return db().then((d) => new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    const out = fn(t.objectStore(store));
    t.oncomplete = () => resolve(out && 'result' in out ? out.result : undefined);
    t.onerror = () => reject(t.error);
  }));
}

// TASK_TTL is how long a kept task may be opened offline: 7 days, as
// long as the server keeps an Idempotency-Key (a phone offline longer
// reads its tasks again first).
export const TASK_TTL = 7 * 86400e3;

const userRange = (user) => IDBKeyRange.bound([user, -Infinity], [user, Infinity]);

// keepTasks replaces user's kept tasks by tasks: plain objects {id, list,
// number, text, address, lon, lat, status, version, allowed_actions, ask}
// (the page chooses the fields; no reporter is ever kept).
export function keepTasks(user, tasks) {
  const savedAt = Date.now();
  return tx('readwrite', (s) => {
    s.delete(userRange(user)); // requests of one transaction run in order
    for (const t of tasks) s.put({ ...JSON.parse(JSON.stringify(t)), user, savedAt });
  }, TASKS);
}

// keptTasks returns user's kept tasks younger than TASK_TTL.
export async function keptTasks(user) {
  const all = await tx('readonly', (s) => s.getAll(userRange(user)), TASKS);
  return (all || []).filter((t) => t.savedAt > Date.now() - TASK_TTL);
}

// keptTask returns user's kept copy of case id, or null.
export async function keptTask(user, id) {
  const t = await tx('readonly', (s) => s.get([user, id]), TASKS);
  return t && t.savedAt > Date.now() - TASK_TTL ? t : null;
}

// refreshKept updates user's kept copy of a case read online, when it is
// one of the kept tasks.
export async function refreshKept(user, fields) {
  const old = await tx('readonly', (s) => s.get([user, fields.id]), TASKS);
  if (!old) return;
  await tx('readwrite', (s) => s.put({ ...old, ...JSON.parse(JSON.stringify(fields)), user, savedAt: Date.now() }), TASKS);
}

// forgetTasks drops user's kept tasks (sign-out), and every account's
// copies older than TASK_TTL.
export function forgetTasks(user) {
  return tx('readwrite', (s) => {
    if (user) s.delete(userRange(user));
    const old = s.openCursor();
    old.onsuccess = () => {
      const c = old.result;
      if (!c) return;
      if (!(c.value.savedAt > Date.now() - TASK_TTL)) c.delete();
      c.continue();
    };
  }, TASKS);
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
export async function enqueue({ kind, path, part, body, photos = [], label, ticket = 0 }) {
  const item = {
    key: newKey(), user: outbox.user, kind, path, part, body, photos, label, ticket,
    state: 'pending', reason: '', conflict: false, tries: 0, nextAt: 0, createdAt: Date.now(),
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
  if (!it || it.conflict) return;
  await put({ ...toRaw(it), state: 'pending', nextAt: 0 });
  flush();
}

// backoff is the wait before the nth retry: 2 s, 4 s, 8 s … at most 5 min.
export function backoff(tries) {
  return Math.min(2000 * 2 ** Math.max(0, tries - 1), 300000);
}

// A failure is retried by itself when the network or the server may do
// better later; the others (refused by the loop, bad input, another
// grid's case) wait for the worker, with the server's reason. A 409 (the
// case moved on since the action was made: another version, or a step
// the loop no longer allows) is never retried: sent again it would be
// refused again.
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
  const form = photoForm(item.part, item.body, item.photos);
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
    await put({ ...item, state: again ? 'pending' : 'failed', reason, conflict: err.status === 409, tries,
      nextAt: Date.now() + backoff(tries) });
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
  forgetTasks(0).catch(() => {}); // the expired copies
  for (const it of outbox.items.filter((x) => x.state === 'sending')) await put({ ...toRaw(it), state: 'pending' });
  clearInterval(timer);
  timer = setInterval(() => flush().catch(() => {}), 5000);
}

// stop ends the timer (the page left).
export function stop() {
  clearInterval(timer);
}
