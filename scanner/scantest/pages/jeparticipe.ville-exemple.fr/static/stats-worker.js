// Dedicated worker: a statistics ping sent from a worker context, out of the page's sight.
fetch('https://www.google-analytics.com/g/collect?v=2&tid=G-LAB0000001&en=worker_ping&_src=dedicated-worker',
  {mode: 'no-cors', credentials: 'include'}).catch(function () {});
