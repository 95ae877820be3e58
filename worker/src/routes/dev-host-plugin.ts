// Sandbox only: the frame of a script that adds amoCRM pages to the local host page (/dev/amocrm):
// it runs after the page's own script, injects its CSS and menu items, then registers its views.

/** A menu item: the hash it opens, its `data-nav` key and its label. */
export type HostNavItem = readonly [hash: string, key: string, label: string];

/**
 * Wraps `body` (plain ES2017 without template literals, like the page's script; it sees `H` =
 * window.HOST, `ctx` and `el`) so that it adds `css` and the menu items before «Настройки».
 */
export function hostPluginScript(css: string, nav: readonly HostNavItem[], body: string): string {
  return `
(function () {
  'use strict';
  var H = window.HOST;
  if (!H) { return; }
  var ctx = H.ctx;
  var el = H.el;

  var style = document.createElement('style');
  style.textContent = ${JSON.stringify(css)};
  document.head.appendChild(style);

  var nav = document.querySelector('.host-nav');
  var settingsLink = document.querySelector('.host-nav__item[data-nav="settings"]');
  ${JSON.stringify(nav)}.forEach(function (n) {
    var a = el('a', 'host-nav__item', n[2]);
    a.href = n[0];
    a.setAttribute('data-nav', n[1]);
    nav.insertBefore(a, settingsLink);
  });
${body}
})();
`;
}
