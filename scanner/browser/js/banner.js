// Runs in an isolated world of one frame with the rules as argument
// (cfg = {rules, words, keywords}): finds a consent banner by the known
// platforms' selectors, else by a multilingual heuristic (visible, fixed or
// overlaying, cookie wording, accept/reject/settings controls), piercing
// open shadow roots. Keeps the buttons found in globalThis.__vigie_buttons
// for a later click; returns a plain description.
(cfg) => {
  const MAX_NODES = 30000;
  const norm = (s) => String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u2019\u2018`]/g, "'").toLowerCase().replace(/[^a-z0-9' ]+/g, " ").replace(/\s+/g, " ").trim();
  // All elements under root, open shadow roots included, bounded.
  const all = (root) => {
    const out = [];
    const stack = [root];
    while (stack.length && out.length < MAX_NODES) {
      const n = stack.pop();
      const kids = n.children || [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
      if (n.shadowRoot) stack.push(n.shadowRoot);
      if (n.nodeType === 1) out.push(n);
    }
    return out;
  };
  const deepQuery = (root, sel) => {
    const res = [];
    const roots = [root];
    for (const el of all(root)) if (el.shadowRoot) roots.push(el.shadowRoot);
    for (const r of roots) {
      try { r.querySelectorAll(sel).forEach((e) => res.push(e)); } catch (e) { return res; }
    }
    return res;
  };
  const visible = (el) => {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    if (r.bottom <= 0 || r.right <= 0 || r.top >= innerHeight || r.left >= innerWidth) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode && e.getRootNode().host)) {
      const cs = getComputedStyle(e);
      if (cs.display === "none" || cs.visibility === "hidden" || parseFloat(cs.opacity) < 0.05) return false;
    }
    return true;
  };
  const text = (el) => String(el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
  const label = (el) => {
    let t = text(el);
    if (!t && el.value) t = String(el.value);
    if (!t) t = el.getAttribute("aria-label") || el.getAttribute("title") || "";
    return String(t).replace(/\s+/g, " ").trim().slice(0, 200);
  };
  const match = (s, list) => list.some((w) => {
    const re = new RegExp("(^| )" + w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "( |$)");
    return re.test(s);
  });
  const classify = (el) => {
    const l = norm(label(el) + " " + (el.getAttribute("aria-label") || ""));
    if (!l) return "other";
    if (match(l, cfg.words.reject)) return "reject";
    if (match(l, cfg.words.accept)) return "accept";
    if (match(l, cfg.words.settings)) return "settings";
    return "other";
  };
  const transparent = (c) => !c || c === "transparent" || /rgba\(.*,\s*0(\.0+)?\)$/.test(c);
  const background = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode && e.getRootNode().host)) {
      const bg = getComputedStyle(e).backgroundColor;
      if (!transparent(bg)) return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const cssPath = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      if (e.id) { parts.unshift("#" + CSS.escape(e.id)); break; }
      let p = e.tagName.toLowerCase();
      const cls = String(e.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean).slice(0, 2);
      if (cls.length) p += "." + cls.map((c) => CSS.escape(c)).join(".");
      parts.unshift(p);
    }
    return parts.join(" > ").slice(0, 300);
  };
  const describe = (el, role) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const own = cs.backgroundColor;
    const border = parseFloat(cs.borderTopWidth) + parseFloat(cs.borderBottomWidth) > 0 && cs.borderTopStyle !== "none" && !transparent(cs.borderTopColor);
    const tag = el.tagName.toLowerCase();
    return {
      role, label: label(el), tag,
      isLink: transparent(own) && !border,
      box: { x: r.left, y: r.top, w: r.width, h: r.height },
      color: cs.color, background: background(el),
      fontSize: parseFloat(cs.fontSize) || 0,
      selector: cssPath(el),
    };
  };
  const CLICKABLE = "button, a[href], a[role=button], [role=button], [role=link], input[type=button], input[type=submit], [onclick]";
  const controls = (container) => {
    const seen = new Set();
    const out = [];
    for (const el of deepQuery(container, CLICKABLE)) {
      if (out.length >= 12) break;
      if (seen.has(el) || !visible(el)) continue;
      // Skip a control nested in another one already kept.
      let nested = false;
      for (const o of out) if (o.contains(el)) nested = true;
      if (nested) continue;
      seen.add(el);
      out.push(el);
    }
    return out;
  };
  const result = (engine, rule, container, buttons) => {
    globalThis.__vigie_buttons = buttons.map((b) => b.el);
    return {
      engine, rule, text: text(container).slice(0, 2000),
      buttons: buttons.map((b) => describe(b.el, b.role)),
    };
  };

  // 1. Known platforms.
  for (const rule of cfg.rules) {
    let container = null, csel = "";
    for (const sel of rule.container) {
      const found = deepQuery(document, sel).find(visible);
      if (found) { container = found; csel = sel; break; }
    }
    if (!container) continue;
    const buttons = [];
    const used = new Set();
    for (const role of ["reject", "accept", "settings"]) {
      for (const sel of rule[role] || []) {
        let el = deepQuery(container, sel).find(visible);
        if (!el) el = deepQuery(document, sel).find(visible);
        if (el && !used.has(el)) { used.add(el); buttons.push({ el, role }); break; }
      }
    }
    for (const el of controls(container)) {
      if (buttons.length >= 12) break;
      if (used.has(el) || [...used].some((u) => u.contains(el) || el.contains(u))) continue;
      used.add(el);
      buttons.push({ el, role: classify(el) });
    }
    return result(rule.engine, csel, container, buttons);
  }

  // 2. Generic heuristic: a visible, fixed, sticky or dialog element whose
  // text speaks of cookies or consent and that holds controls.
  const kw = cfg.keywords;
  let best = null;
  for (const el of all(document)) {
    if (el === document.body || el === document.documentElement) continue;
    const cs = getComputedStyle(el);
    const overlay = cs.position === "fixed" || cs.position === "sticky" ||
      el.getAttribute("role") === "dialog" || el.getAttribute("role") === "alertdialog" ||
      el.getAttribute("aria-modal") === "true" || (el.tagName === "DIALOG" && el.open);
    if (!overlay || !visible(el)) continue;
    const t = norm(text(el).slice(0, 5000));
    if (!match(t, kw)) continue;
    const ctl = controls(el).map((c) => ({ el: c, role: classify(c) }));
    const score = ctl.filter((c) => c.role === "accept" || c.role === "reject").length * 10 + ctl.filter((c) => c.role === "settings").length;
    if (score === 0) continue;
    if (!best || score > best.score) best = { el, ctl, score };
  }
  if (best) {
    const ctl = best.ctl.filter((c) => c.role !== "other").concat(best.ctl.filter((c) => c.role === "other"));
    return result("generic", "heuristic: overlay with consent wording and controls", best.el, ctl);
  }
  return null;
}
