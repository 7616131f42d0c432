// Runs in an isolated world of one frame: lists the frame origin's Web
// Storage keys (with value sizes) and IndexedDB database names, bounded.
(async () => {
  const out = { origin: String(location.origin), local: [], session: [], idb: [] };
  const take = (s, dst) => {
    try {
      for (let i = 0; i < s.length && i < 500; i++) {
        const k = s.key(i);
        dst.push([String(k).slice(0, 256), String(s.getItem(k) || "").length]);
      }
    } catch (e) { /* opaque origin or storage disabled */ }
  };
  try { take(window.localStorage, out.local); } catch (e) { /* denied */ }
  try { take(window.sessionStorage, out.session); } catch (e) { /* denied */ }
  try {
    if (window.indexedDB && indexedDB.databases) {
      const dbs = await Promise.race([
        indexedDB.databases(),
        new Promise((r) => setTimeout(() => r([]), 2000)),
      ]);
      for (const d of dbs.slice(0, 100)) out.idb.push(String(d.name).slice(0, 256));
    }
  } catch (e) { /* denied */ }
  return out;
})()
