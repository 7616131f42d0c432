// Service worker: fetches its precache list when installed.
self.addEventListener('install', function (event) {
  event.waitUntil(fetch('/sw-precache.json').then(function (r) { return r.text(); }).catch(function () {}));
  self.skipWaiting();
});
self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});
