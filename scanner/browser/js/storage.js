// Runs in an isolated world of one frame: lists the frame origin's Web
// Storage keys (with value sizes), bounded. IndexedDB's database names
// are asked of the browser (IndexedDB.requestDatabaseNames): under virtual
// time the page's indexedDB.databases() did not settle before its own
// timeout, about 3 s of real time per snapshot and frame.
(() => {
  const out = { origin: String(location.origin), local: [], session: [] };
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
  return out;
})()
