// Sandbox only: two switches on the local amoCRM page (/dev/amocrm) that the real amoCRM has in its
// own way: the colour theme (amoCRM marks dark mode with data-color-scheme="dark" on <html> and
// defines --palette-* variables) and the signed-in user (another manager, with their amoCRM rights).

/** Runs in <head> before anything renders, like amoCRM, which serves the page with the theme set. */
export const HOST_THEME_HEAD_JS = `
(function () {
  var q = new URLSearchParams(location.search);
  var stored = null;
  try { stored = localStorage.getItem('lptw-sandbox-theme'); } catch (e) { stored = null; }
  var theme = q.get('theme') || stored || 'light';
  document.documentElement.setAttribute('data-color-scheme', theme === 'dark' ? 'dark' : 'light');
})();
`;

// amoCRM's palette as CSS variables in both themes (only names its documentation mentions), and the
// host page's own dark look. The widget must read well with and without these variables.
export const HOST_THEME_CSS = `
:root { --palette-background-primary: #ffffff; --palette-border-default: #d4d9de; --palette-text-secondary-dark: #5d6770; }
:root[data-color-scheme="dark"] { --palette-background-primary: #1d2631; --palette-border-default: #3b4754; --palette-text-secondary-dark: #aeb9c4; }
:root[data-color-scheme="dark"] .host-body { background: #141b23; color: #e1e7ed; }
:root[data-color-scheme="dark"] .host-nav { background: #0f151c; }
:root[data-color-scheme="dark"] .host-top,
:root[data-color-scheme="dark"] .host-card__info,
:root[data-color-scheme="dark"] .host-panel,
:root[data-color-scheme="dark"] .host-widget-block,
:root[data-color-scheme="dark"] .host-modal__window,
:root[data-color-scheme="dark"] .host-work-area,
:root[data-color-scheme="dark"] .host-feed-note { background: #1d2631; border-color: #2e3a47; color: #e1e7ed; }
:root[data-color-scheme="dark"] .host-card__head { background: #24507f; }
:root[data-color-scheme="dark"] .host-card__widgets { background: #17202a; border-color: #2e3a47; }
:root[data-color-scheme="dark"] .host-widget-block__caption,
:root[data-color-scheme="dark"] .host-modal__head,
:root[data-color-scheme="dark"] .host-modal__foot { border-color: #2e3a47; }
:root[data-color-scheme="dark"] .host-modal__foot { background: #19222c; }
:root[data-color-scheme="dark"] .host-field-row { border-color: #2e3a47; }
:root[data-color-scheme="dark"] .host-panel a { color: #86b4ff; }
:root[data-color-scheme="dark"] .host-btn { background: #26313d; border-color: #3b4754; color: #e1e7ed; }
:root[data-color-scheme="dark"] .host-btn--primary { background: #2f6fdc; border-color: #2f6fdc; color: #fff; }
:root[data-color-scheme="dark"] .host-form-inline input,
:root[data-color-scheme="dark"] .host-modal__field input { background: #26313d; border-color: #3b4754; color: #e1e7ed; }
.host-tools { position: fixed; left: 0; bottom: 0; width: 86px; padding: 8px 6px; display: flex; flex-direction: column; gap: 6px; z-index: 20; }
.host-tools__btn, .host-tools__select { width: 100%; font: 11px/1.2 Arial, Helvetica, sans-serif; padding: 5px 2px; border-radius: 3px; border: 1px solid #3e5268; background: #2f4257; color: #fff; cursor: pointer; }
.host-tools__label { color: #b9c6d3; font: 10px/1.2 Arial, Helvetica, sans-serif; text-align: center; }
`;

/** The switches themselves, at the foot of the left menu. A user change reloads the page as that user. */
export const HOST_TOOLS_JS = `
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  var boot = JSON.parse(document.getElementById('host-boot').textContent);
  var wanted = Number(q.get('account_id'));
  var account = boot.accounts.filter(function (a) { return a.accountId === wanted; })[0] ||
    boot.accounts.filter(function (a) { return a.status === 'active'; })[0] || boot.accounts[0];
  var bar = document.createElement('div');
  bar.className = 'host-tools';

  var theme = document.createElement('button');
  theme.type = 'button';
  theme.className = 'host-tools__btn';
  theme.setAttribute('data-testid', 'host-theme-toggle');
  function paintThemeButton() {
    var dark = document.documentElement.getAttribute('data-color-scheme') === 'dark';
    theme.textContent = dark ? '☀ Светлая тема' : '☾ Тёмная тема';
  }
  theme.onclick = function () {
    var next = document.documentElement.getAttribute('data-color-scheme') === 'dark' ? 'light' : 'dark';
    // Like amoCRM's switch (and its "automatic" mode following the OS): the attribute changes in place.
    document.documentElement.setAttribute('data-color-scheme', next);
    try { localStorage.setItem('lptw-sandbox-theme', next); } catch (e) { /* private mode */ }
    paintThemeButton();
  };
  paintThemeButton();
  bar.appendChild(theme);

  if (account && account.accountId) {
    var label = document.createElement('div');
    label.className = 'host-tools__label';
    label.textContent = 'Пользователь';
    var select = document.createElement('select');
    select.className = 'host-tools__select';
    select.setAttribute('data-testid', 'host-user-select');
    select.setAttribute('aria-label', 'Пользователь amoCRM');
    fetch('/dev/users?account_id=' + account.accountId).then(function (r) { return r.ok ? r.json() : { users: [] }; }).then(function (body) {
      var current = q.get('user_id');
      if (!current) {
        // Without ?user_id the page signs in as a sandbox administrator who is not an amoCRM user.
        var d = document.createElement('option');
        d.textContent = 'Админ песочницы';
        d.disabled = true;
        d.selected = true;
        select.appendChild(d);
      }
      body.users.forEach(function (u) {
        var o = document.createElement('option');
        o.value = String(u.id);
        o.textContent = u.name + (u.is_admin ? ' (админ)' : '');
        o.setAttribute('data-admin', u.is_admin ? '1' : '0');
        if (String(u.id) === current) { o.selected = true; }
        select.appendChild(o);
      });
    });
    select.onchange = function () {
      var o = select.options[select.selectedIndex];
      q.set('account_id', String(account.accountId));
      q.set('user_id', o.value);
      q.set('is_admin', o.getAttribute('data-admin'));
      location.search = q.toString();
    };
    bar.appendChild(label);
    bar.appendChild(select);
  }
  document.body.appendChild(bar);
})();
`;
