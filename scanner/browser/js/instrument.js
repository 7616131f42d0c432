// Runs in the main world of every document before any page script: reports
// each document.cookie write, with the writing script's stack, through the
// binding (whose global name it removes at once).
(() => {
  const name = "__BINDING__";
  const send = globalThis[name];
  try { delete globalThis[name]; } catch (e) { /* not configurable */ }
  if (typeof send !== "function") return;
  const d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (!d || typeof d.set !== "function") return;
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    enumerable: d.enumerable,
    get: d.get,
    set: function (v) {
      try {
        send(JSON.stringify({
          c: String(v).slice(0, 4096),
          s: String(new Error().stack).slice(0, 8192),
          h: String(location.hostname),
        }));
      } catch (e) { /* never break the page */ }
      return d.set.call(this, v);
    },
  });
})();
