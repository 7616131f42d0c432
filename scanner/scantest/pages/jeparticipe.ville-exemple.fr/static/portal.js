// The portal's front-end: a dedicated worker that sends a statistics ping, and a service
// worker (offline cache) that fetches its precache list. (Lab: requests from workers.)
(function () {
  if (window.Worker) {
    try { new Worker('/static/stats-worker.js'); } catch (e) { /* no worker */ }
  }
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(function () {});
  }
})();
