// The service worker: the app shell is cached at install, so after the first visit the app opens with no
// network at all. API calls are never cached here (households, forms and visits live in IndexedDB).
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = `gocua-app-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("gocua-app-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname !== "/app" && !url.pathname.startsWith("/app/")) return;
  // Cache first: the shell of this version never changes; a new version comes with a new worker.
  // "/app/" is the same page as "/app" (the service answers both); the cache holds it once.
  const key = url.pathname === "/app/" ? "/app" : event.request;
  event.respondWith(caches.match(key, { ignoreSearch: true })
    .then((hit) => hit || fetch(event.request)));
});

// Background Sync, where the browser has it: when the network comes back, wake the open app to send its outbox
// (the sending itself stays in the page, which holds the code and the member's token).
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(self.clients.matchAll({ type: "window" })
    .then((windows) => windows.forEach((client) => client.postMessage({ type: "flush" }))));
});
