// The resident app's service worker: keeps the app's frame (styles, scripts, icons) for a quick, offline
// start. Pages are always asked of the network first; the API (/v1) never passes through a cache, so a
// balance shown is never an old one.
const CACHE = "mitapo-app-v2";
const SHELL = [
  "/static/mitapo.css",
  "/static/js/common.js",
  "/static/js/resident.js",
  "/static/js/scanner.js",
  "/static/js/app-home.js",
  "/static/js/app-scan.js",
  "/static/js/app-paycode.js",
  "/static/js/app-statement.js",
  "/static/js/app-donate.js",
  "/static/js/app-gift.js",
  "/static/js/passkey.js",
  "/static/js/app-enroll.js",
  "/static/vendor/jsQR.js",
  "/static/icons/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n)))),
  );
  self.clients.claim();
});

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (offline) {
    const kept = await caches.match(request);
    if (kept) return kept;
    throw offline;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/v1/")) return;
  if (url.pathname.startsWith("/static/") || event.request.mode === "navigate") {
    event.respondWith(networkFirst(event.request));
  }
});
