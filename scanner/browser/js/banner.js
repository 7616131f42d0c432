// Runs in an isolated world of one frame with the rules as argument
// (cfg = {rules, words, keywords, exclude}): finds a consent banner by the
// known platforms' selectors, else by a multilingual heuristic — a visible
// fixed, sticky or dialog element holding controls, with consent wording,
// or, without it, by its structure alone: an accept-like and a
// refuse-like control — piercing open shadow roots. Keeps the buttons
// found in globalThis.__vigie_buttons for a later click; returns a plain
// description, with the reason it matched.
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
  const result = (engine, rule, reason, container, buttons) => {
    globalThis.__vigie_buttons = buttons.map((b) => b.el);
    return {
      engine, rule, reason: reason.slice(0, 1000), text: text(container).slice(0, 2000),
      buttons: buttons.map((b) => describe(b.el, b.role)),
    };
  };
  const quote = (s) => JSON.stringify(String(s).slice(0, 60));

  // 1. Known platforms.
  for (const rule of cfg.rules || []) {
    let container = null, csel = "";
    for (const sel of rule.container) {
      const found = deepQuery(document, sel).find(visible);
      if (found) { container = found; csel = sel; break; }
    }
    if (!container) continue;
    const buttons = [];
    const used = new Set();
    const why = ["container " + csel + " visible"];
    for (const role of ["reject", "accept", "settings"]) {
      for (const sel of rule[role] || []) {
        let el = deepQuery(container, sel).find(visible);
        if (!el) el = deepQuery(document, sel).find(visible);
        if (el && !used.has(el)) {
          used.add(el);
          buttons.push({ el, role });
          why.push(role + " " + quote(label(el)) + " by " + sel);
          break;
        }
      }
    }
    for (const el of controls(container)) {
      if (buttons.length >= 12) break;
      if (used.has(el) || [...used].some((u) => u.contains(el) || el.contains(u))) continue;
      used.add(el);
      const role = classify(el);
      if (role !== "other") why.push(role + " " + quote(label(el)) + " by its wording");
      buttons.push({ el, role });
    }
    return result(rule.engine, csel, "rule " + rule.engine + ": " + why.join("; "), container, buttons);
  }

  // 2. Generic heuristic: a visible fixed, sticky or dialog element holding
  // controls, either speaking of cookies or consent and offering to accept
  // or refuse, or — by its structure alone, whatever its words — offering
  // both (an accept-like and a refuse-like control), unless it speaks of
  // notifications or a newsletter.
  const kw = cfg.keywords;
  const found = (t, list) => list.filter((w) => match(t, [w]));
  let best = null;
  for (const el of all(document)) {
    if (el === document.body || el === document.documentElement) continue;
    const cs = getComputedStyle(el);
    let placed = "";
    if (cs.position === "fixed" || cs.position === "sticky") placed = "position: " + cs.position;
    else if (el.tagName === "DIALOG" && el.open) placed = "open <dialog>";
    else if (el.getAttribute("role") === "dialog" || el.getAttribute("role") === "alertdialog") placed = "role=" + el.getAttribute("role");
    else if (el.getAttribute("aria-modal") === "true") placed = "aria-modal";
    if (!placed || !visible(el)) continue;
    const t = norm(text(el).slice(0, 5000));
    const words = found(t, kw);
    const ctl = controls(el).map((c) => ({ el: c, role: classify(c) }));
    const acc = ctl.filter((c) => c.role === "accept"), rej = ctl.filter((c) => c.role === "reject");
    const settings = ctl.filter((c) => c.role === "settings").length;
    let score = 0, rule = "";
    if (words.length) {
      score = (acc.length + rej.length) * 10 + settings;
      rule = "heuristic: overlay with consent wording and controls";
    } else if (acc.length && rej.length && found(t, cfg.exclude).length === 0) {
      score = (acc.length + rej.length) * 10 + settings - 5;
      rule = "heuristic: structure (overlay holding accept and refuse controls)";
    }
    if (score <= 0) continue;
    if (!best || score > best.score) best = { el, ctl, acc, rej, words, placed, rule, score };
  }
  if (best) {
    const ctl = best.ctl.filter((c) => c.role !== "other").concat(best.ctl.filter((c) => c.role === "other"));
    const why = [best.placed + ", visible"];
    if (best.acc.length) why.push("accept control " + quote(label(best.acc[0].el)));
    if (best.rej.length) why.push("refuse control " + quote(label(best.rej[0].el)));
    why.push(best.words.length ? "consent wording: " + best.words.slice(0, 5).join(", ") : "no consent wording (structure alone)");
    return result("generic", best.rule, why.join("; "), best.el, ctl);
  }
  return null;
}
