// The consultation's single-page app (vigie lab). Everything below happens after the page's
// load event, as in real React apps and tag managers.
(function () {
  var started = Date.now();

  // The tag manager's timer trigger: the analytics tag, 2.8 s after navigation, whatever the
  // visitor chose (the site's mistake).
  setTimeout(function () {
    window.dataLayer = window.dataLayer || [];
    var s = document.createElement('script');
    s.async = true;
    s.src = 'https://www.googletagmanager.com/gtag/js?id=G-LAB0000003';
    document.head.appendChild(s);
  }, Math.max(0, 2800 - (Date.now() - started)));

  function render(projets) {
    var app = document.getElementById('app');
    var html = '<header><a href="/">Ville d\'Exemple · <strong>Consultation</strong></a></header><main>' +
      '<h1>Donnez votre avis sur les projets 2026</h1>';
    projets.forEach(function (p) {
      html += '<section class="projet"><h2><a href="/projets/' + p.id + '">' + p.titre + '</a></h2>' +
        '<p>Présentation du projet, calendrier et réunions publiques.</p></section>';
    });
    html += '</main><footer id="pied"><a href="/mentions-legales">Mentions légales</a></footer>';
    app.innerHTML = html;

    // The advertising tag fires once the footer is seen (a scroll trigger).
    var pied = document.getElementById('pied');
    var fired = false;
    new IntersectionObserver(function (entries) {
      if (fired || !entries.some(function (e) { return e.isIntersecting; })) { return; }
      fired = true;
      fetch('https://googleads.g.doubleclick.net/pagead/id?trigger=scroll', {credentials: 'include', mode: 'cors'}).catch(function () {});
    }).observe(pied);

    showBanner();
  }

  function showBanner() {
    if (/(?:^|; )consultation_accord=/.test(document.cookie)) { return; }
    var text = "Avec votre accord, nous et nos partenaires mesurons l'audience de la consultation " +
      "pour l'améliorer. Vous pouvez accepter ou refuser, et changer d'avis à tout moment.";
    var el = document.getElementById('consent');
    if (window.labReactCookieConsent) {
      window.labReactCookieConsent(el, {
        location: 'bottom', buttonText: 'Accepter', declineButtonText: 'Refuser', enableDeclineButton: true,
        cookieName: 'consultation_accord', expires: 180
      }, text);
      return;
    }
    // MINIMAL IN-HOUSE FALLBACK (the npm libraries could not be installed): the same wording and
    // structure, not the library.
    el.innerHTML = '<div data-vigie-lab-fallback="true" style="position:fixed;left:0;right:0;bottom:0;background:#2b373b;' +
      'color:#fff;padding:16px;z-index:999"><span>[Bannière de secours du labo vigie] ' + text + '</span> ' +
      '<button id="accord-refuser">Refuser</button> <button id="accord-accepter">Accepter</button></div>';
    function choose(v) {
      document.cookie = 'consultation_accord=' + v + '; max-age=15552000; path=/';
      el.innerHTML = '';
    }
    document.getElementById('accord-accepter').onclick = function () { choose('true'); };
    document.getElementById('accord-refuser').onclick = function () { choose('false'); };
  }

  // The app's API call, then a render a moment later (as frameworks do).
  fetch('/api/projets').then(function (r) { return r.json(); }).then(function (projets) {
    setTimeout(function () { render(projets); }, 1000);
  });
})();
