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
  "/static/js/app-history.js",
  "/static/js/app-find.js",
  "/static/js/area-map.js",
  "/static/js/expiry-soon.js",
  "/static/js/last-known.js",
  "/static/geo/mitaka-areas.geojson",
  "/static/js/app-donate.js",
  "/static/js/app-gift.js",
  "/static/js/payment-outcome.js",
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

// Expiry reminders (Web Push): the server sends {title, body, url, tag}; a tap opens the app.
self.addEventListener("push", (event) => {
  let message = { title: "みたポ", body: "", url: "/app" };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    /* a push without a readable body still says something */
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: "/static/icons/icon-192.png",
      data: { url: message.url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data?.url || "/app"));
});
