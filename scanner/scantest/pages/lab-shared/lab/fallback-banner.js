/* vigie lab — MINIMAL IN-HOUSE FALLBACK BANNER, NOT A REAL CONSENT LIBRARY.
 * Served only when the real consent libraries (tarteaucitron, vanilla-cookieconsent) could not
 * be installed from the npm registry (see scantest.ConsentLibsDir). Tests that need a real
 * library skip, or fail with VIGIE_REQUIRE_BROWSER=1.
 * window.labBanner: {style: "push-accept" | "equal", onChoice: function (choice) {...}} */
(function () {
  var cfg = window.labBanner || {};
  function notify(choice) {
    if (typeof cfg.onChoice === 'function') { cfg.onChoice(choice); }
  }
  var stored = document.cookie.match(/(?:^|; )lab_consent=(accept|reject)/);
  if (stored) { notify(stored[1]); return; }
  function choose(choice) {
    document.cookie = 'lab_consent=' + choice + '; max-age=15552000; path=/; SameSite=Lax';
    var b = document.getElementById('lab-fallback-banner');
    if (b) { b.parentNode.removeChild(b); }
    notify(choice);
  }
  var d = document.createElement('div');
  d.id = 'lab-fallback-banner';
  d.className = 'vigie-lab-fallback-banner';
  d.setAttribute('data-vigie-lab-fallback', 'true');
  d.setAttribute('role', 'dialog');
  d.setAttribute('aria-label', 'Gestion des cookies');
  d.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:2147483000;background:#fff;color:#222;' +
    'padding:20px 32px;box-shadow:0 -2px 12px rgba(0,0,0,.25);font:16px Arial,sans-serif';
  var p = document.createElement('p');
  p.textContent = '[Bannière de secours du labo vigie] Nous utilisons des cookies pour mesurer ' +
    "l'audience et améliorer votre expérience.";
  d.appendChild(p);
  var accept = document.createElement('button');
  accept.type = 'button';
  accept.id = 'lab-accept';
  accept.textContent = 'Tout accepter';
  var reject;
  if (cfg.style === 'push-accept') {
    accept.style.cssText = 'background:#0b5fff;color:#fff;border:0;border-radius:8px;font-size:20px;' +
      'font-weight:700;padding:16px 56px;cursor:pointer';
    reject = document.createElement('a');
    reject.href = '#';
    reject.textContent = 'Continuer sans accepter';
    reject.style.cssText = 'color:#c8c8c8;font-size:11px;margin-left:16px';
  } else {
    var same = 'background:#000091;color:#fff;border:0;border-radius:4px;font-size:16px;' +
      'padding:10px 24px;margin-right:12px;cursor:pointer';
    accept.style.cssText = same;
    reject = document.createElement('button');
    reject.type = 'button';
    reject.textContent = 'Tout refuser';
    reject.style.cssText = same;
  }
  reject.id = 'lab-reject';
  accept.addEventListener('click', function () { choose('accept'); });
  reject.addEventListener('click', function (e) { e.preventDefault(); choose('reject'); });
  d.appendChild(accept);
  d.appendChild(reject);
  (document.body || document.documentElement).appendChild(d);
})();
