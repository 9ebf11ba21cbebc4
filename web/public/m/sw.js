// The service worker of the grid worker's phone app (/m/). It keeps the
// app shell — the page, its scripts and styles, the manifest and icons —
// so the app opens without a network, and nothing else: API answers
// (/api/…) are never cached here. Reports and actions made offline wait
// in IndexedDB, and so do the minimal copies of the worker's tasks
// (cleared at sign-out): the page's, src/mobile/queue.js, not here.
const CACHE = 'gridline-m-v1';
// /preload.js: index.html runs it before the entry (vite.config.js).
const SHELL = ['/m/', '/m/manifest.webmanifest', '/m/icon-192.png', '/m/icon-512.png', '/favicon.svg', '/preload.js'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// The page lists the hashed assets it loaded (its entry, its lazy chunk,
// their styles): they are kept, and older builds' assets dropped. The
// page was loaded before this worker controlled it, so the worker could
// not see those requests itself.
self.addEventListener('message', (e) => {
  const msg = e.data || {};
  if (msg.type !== 'cache' || !Array.isArray(msg.urls)) return;
  const keep = new Set(msg.urls.map((u) => new URL(u, self.location.origin).pathname));
  e.waitUntil(caches.open(CACHE).then(async (c) => {
    for (const req of await c.keys()) {
      const p = new URL(req.url).pathname;
      if (p.startsWith('/assets/') && !keep.has(p)) await c.delete(req);
    }
    await Promise.all([...keep].filter((p) => p.startsWith('/assets/'))
      .map(async (p) => { if (!(await c.match(p))) await c.add(p).catch(() => {}); }));
  }));
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // live and private: the network only
  if (req.mode === 'navigate') {
    // The page: the network's when there is one (a new build), else the
    // kept shell; every path under /m/ is the same page.
    e.respondWith(fetch(req).then((res) => {
      if (res.ok) {
        const copy = res.clone();
        caches.open(CACHE).then((c) => c.put('/m/', copy));
      }
      return res;
    }).catch(() => caches.match('/m/')));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change: the cache first.
    e.respondWith(caches.match(req).then((hit) => hit || fetch(req).then((res) => {
      if (res.ok) {
        const copy = res.clone();
        caches.open(CACHE).then((c) => c.put(req, copy));
      }
      return res;
    })));
    return;
  }
  e.respondWith(fetch(req).catch(() => caches.match(req, { ignoreSearch: true })));
});
