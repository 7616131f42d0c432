/* vigie lab stand-in for a Google-Analytics tag (gtag.js): same hosts, cookies and beacon shape,
   none of the real code. It sets _ga, _ga_<id> and _gid on the site's registrable domain with
   document.cookie and sends a page_view to www.google-analytics.com/g/collect. */
(function () {
  var script = document.currentScript;
  var id = 'G-LAB0000000';
  try { id = new URL(script.src).searchParams.get('id') || id; } catch (e) {}
  var now = Math.floor(Date.now() / 1000);
  function rand() { return Math.floor(Math.random() * 2147483647); }
  function get(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? m[1] : null;
  }
  var labels = location.hostname.split('.');
  var domain = labels.slice(-2).join('.');
  var twoYears = 2 * 365 * 24 * 3600;
  var ga = get('_ga') || ('GA1.1.' + rand() + '.' + now);
  document.cookie = '_ga=' + ga + '; max-age=' + twoYears + '; path=/; domain=' + domain + '; SameSite=Lax';
  document.cookie = '_ga_' + id.replace(/^G-/, '') + '=GS1.1.' + now + '.1.0.' + now + '.0.0.0; max-age=' + twoYears +
    '; path=/; domain=' + domain + '; SameSite=Lax';
  document.cookie = '_gid=GA1.1.' + rand() + '.' + now + '; max-age=86400; path=/; domain=' + domain + '; SameSite=Lax';
  var url = 'https://www.google-analytics.com/g/collect?v=2&tid=' + encodeURIComponent(id) +
    '&cid=' + encodeURIComponent(ga.split('.').slice(2).join('.')) + '&en=page_view' +
    '&dl=' + encodeURIComponent(location.href) + '&dt=' + encodeURIComponent(document.title) + '&_p=' + rand();
  if (navigator.sendBeacon) {
    navigator.sendBeacon(url);
  } else {
    new Image(1, 1).src = url;
  }
})();
