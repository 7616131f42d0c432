/* vigie lab stand-in for a measurement tag served through a first-party CNAME
   (metrics.ville-exemple.fr → ville-exemple.eulerian.net): its hit sets a long-lived
   cookie on the first party's domain. */
(function () {
  var src = (document.currentScript && document.currentScript.src) || 'https://metrics.ville-exemple.fr/col/ea.js';
  var base = src.replace(/\/col\/ea\.js.*$/, '');
  new Image(1, 1).src = base + '/col/hit?url=' + encodeURIComponent(location.href) +
    '&ref=' + encodeURIComponent(document.referrer) + '&rnd=' + Math.random().toString(36).slice(2);
})();
