/* Participation platform front-end (vigie lab stand-in), served from the vendor's CDN. */
document.documentElement.setAttribute('data-platform', 'participation-vendor');
