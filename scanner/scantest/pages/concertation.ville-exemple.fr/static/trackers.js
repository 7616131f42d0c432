// The site's measurement, meant to load "once the visitor has chosen" — but it never looks at
// the choice: reject loads it too. (Lab: the reject-ignoring case.)
window.loadTrackers = function () {
  if (window.__labTrackersLoaded) { return; }
  window.__labTrackersLoaded = true;
  window.dataLayer = window.dataLayer || [];
  var gtag = document.createElement('script');
  gtag.async = true;
  gtag.src = 'https://www.googletagmanager.com/gtag/js?id=G-LAB0000002';
  document.head.appendChild(gtag);
  var ea = document.createElement('script');
  ea.async = true;
  ea.src = 'https://metrics.ville-exemple.fr/col/ea.js';
  document.head.appendChild(ea);
};
