/* Self-hosted audience measurement (Matomo-like), configured for the CNIL exemption:
   first party only, visitor cookie for 13 months at most, no transfer to anyone. */
(function () {
  var site = 1, hash = 'a1b2';
  var idName = '_pk_id.' + site + '.' + hash, sesName = '_pk_ses.' + site + '.' + hash;
  function get(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name.replace(/\./g, '\\.') + '=([^;]*)'));
    return m ? m[1] : null;
  }
  var now = Math.floor(Date.now() / 1000);
  var id = get(idName) || (Math.random().toString(16).slice(2, 18) + '.' + now);
  document.cookie = idName + '=' + id + '; max-age=33955200; path=/; SameSite=Lax; Secure';
  document.cookie = sesName + '=1; max-age=1800; path=/; SameSite=Lax; Secure';
  new Image(1, 1).src = '/matomo.php?idsite=' + site + '&rec=1&url=' + encodeURIComponent(location.href) +
    '&_id=' + id.split('.')[0] + '&rand=' + Math.random().toString(36).slice(2);
})();
