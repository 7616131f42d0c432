// Runs in the main world of every document before any page script: reports
// each document.cookie write, with the writing script's stack, and each
// WebRTC peer connection created, with the ICE (STUN/TURN) servers asked
// for, through the binding (whose global name it removes at once).
(() => {
  const name = "__BINDING__";
  const send = globalThis[name];
  try { delete globalThis[name]; } catch (e) { /* not configurable */ }
  if (typeof send !== "function") return;
  const d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (d && typeof d.set === "function") {
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
  }
  // ICE server URLs of an RTCConfiguration, bounded.
  const iceURLs = (cfg) => {
    const out = [];
    try {
      const servers = (cfg && cfg.iceServers) || [];
      for (let i = 0; i < servers.length && i < 20; i++) {
        let u = servers[i] && servers[i].urls;
        if (typeof u === "string") u = [u];
        for (let j = 0; u && j < u.length && j < 10 && out.length < 50; j++) out.push(String(u[j]).slice(0, 512));
      }
    } catch (e) { /* a hostile getter */ }
    return out;
  };
  const report = (cfg) => {
    try {
      send(JSON.stringify({
        k: "rtc",
        u: iceURLs(cfg),
        o: String(location.origin),
        s: String(new Error().stack).slice(0, 8192),
      }));
    } catch (e) { /* never break the page */ }
  };
  for (const key of ["RTCPeerConnection", "webkitRTCPeerConnection"]) {
    const Orig = globalThis[key];
    if (typeof Orig !== "function") continue;
    const wrapped = new Proxy(Orig, {
      construct(target, args, newTarget) {
        report(args[0]);
        return Reflect.construct(target, args, newTarget === wrapped ? target : newTarget);
      },
    });
    try {
      Object.defineProperty(globalThis, key, { value: wrapped, writable: true, configurable: true, enumerable: false });
    } catch (e) { /* leave it */ }
    const set = Orig.prototype && Orig.prototype.setConfiguration;
    if (typeof set === "function") {
      Orig.prototype.setConfiguration = function (cfg) { report(cfg); return set.call(this, cfg); };
    }
  }
})();
