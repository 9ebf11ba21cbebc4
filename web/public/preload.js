// Fetches, as the page starts, the chunks and stylesheets the page being opened needs
// beyond the entry's, as index.html names them (vite.config.js,
// routePreload), so that they download beside the entry.
(function () {
  var meta = document.querySelector('meta[name="gridline-preload"]');
  if (!meta) return;
  var files = JSON.parse(meta.content)[location.pathname.replace(/\/+$/, '')] || [];
  files.forEach(function (f) {
    var l = document.createElement('link');
    if (/\.css$/.test(f)) {
      // Fetched, not applied: the router's loader adds the stylesheet in
      // its place in the cascade (and finds it fetched).
      l.rel = 'preload';
      l.as = 'style';
    } else {
      l.rel = 'modulepreload';
    }
    l.crossOrigin = '';
    l.href = f;
    document.head.appendChild(l);
  });
})();
