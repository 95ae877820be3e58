// Sandbox only: a local stand-in for amoCRM's pages (/dev/amocrm) that loads the real widget/script.js
// through RequireJS and runs its callbacks the way amoCRM does, with `$authorizedAjax` backed by
// /dev/token. Widget files and RequireJS are served from the static assets under /dev/widget and /dev/vendor.
// Like amoCRM, the page lives on another origin than our API (DEV_HOST_ORIGIN, a proxy the sandbox
// starts), installs before amoCRM's OAuth code is delivered, and switches the widget off and on.
import { Hono } from "hono";
import { desc, eq } from "drizzle-orm";
import type { AppEnv } from "../lib/hono-env";
import { z } from "zod";
import { Problem } from "../lib/problem";
import { isPlainObject } from "../lib/json-guard";
import { jsonObjectBody } from "../lib/validate";
import { accounts, links } from "../db/schema";
import { HOST_THEME_CSS, HOST_THEME_HEAD_JS, HOST_TOOLS_JS } from "./dev-host-tools";
import { HOST_ACTIONS_JS, simAnswer } from "./dev-host-actions";
import { HOST_UNSORTED_JS } from "./dev-host-unsorted";
import { HOST_PROXY_HEADER } from "./dev-host-proxy";

const MAX_CODE_DELAY_MS = 20_000;

function simOrigin(amoApiOrigin: string | null): string {
  if (!amoApiOrigin) throw new Problem("dev_unavailable", { why: "AMOCRM_API_ORIGIN is not set: the host page needs the amoCRM simulator to issue codes." });
  return amoApiOrigin;
}

/** The widget code amoCRM would assign; it names the advanced settings page's work area. */
export const SANDBOX_WIDGET_CODE = "lptracker_sync";

interface BootData {
  widgetCode: string;
  accounts: { accountId: number; subdomain: string; status: string }[];
  /** Recently linked amoCRM leads per account, so the index page can open real cards. */
  leads: Record<string, { amoId: number; name: string | null }[]>;
}

export function devHostRoutes() {
  const r = new Hono<AppEnv>();


  r.get("/dev/amocrm", async (c) => {
    // amoCRM's pages are not on our origin: send the browser to the host origin, so the widget's
    // requests to us are cross-origin with real preflights, as in amoCRM.
    const hostOrigin = c.var.cfg.devHostOrigin;
    if (hostOrigin && c.req.header(HOST_PROXY_HEADER) !== "1") {
      const url = new URL(c.req.url);
      return c.redirect(`${hostOrigin}${url.pathname}${url.search}`, 302);
    }
    const rows = await c.var.db.select({ accountId: accounts.accountId, subdomain: accounts.subdomain, status: accounts.status }).from(accounts);
    const leads: BootData["leads"] = {};
    for (const a of rows) {
      const linked = await c.var.db
        .select({ amoId: links.amoId, meta: links.meta })
        .from(links)
        .where(eq(links.accountId, a.accountId))
        .orderBy(desc(links.updatedAt))
        .limit(50);
      leads[a.accountId] = linked
        .filter((l) => l.meta && typeof l.meta === "object" && "snapshot" in l.meta)
        .slice(0, 12)
        .map((l) => {
          const snap = l.meta.snapshot;
          return { amoId: Number(l.amoId), name: isPlainObject(snap) && typeof snap.name === "string" ? snap.name : null };
        });
    }
    const boot: BootData = { widgetCode: SANDBOX_WIDGET_CODE, accounts: rows, leads };
    c.header("cache-control", "no-store");
    return c.html(hostPage(boot));
  });

  const fromAssets = async (c: { env: AppEnv["Bindings"]; req: { url: string; path: string } }) => {
    const assets = c.env.ASSETS;
    if (!assets) throw new Problem("dev_unavailable", { why: "Static assets are not bound; run the sandbox with `npm start`." });
    const res = await assets.fetch(new Request(new URL(c.req.url).toString()));
    if (res.status === 404) {
      throw new Problem("dev_unavailable", { why: `${c.req.path} is not published: run \`npm run widget:build\` (Vite build + widget/tools/publish.ts).` });
    }
    // Responses from a binding have immutable headers; the app's middleware adds its own.
    const copy = new Response(res.body, res);
    copy.headers.set("cache-control", "no-cache");
    return copy;
  };
  // script.js calls our API at the origin the release archive writes into it; here: this Worker.
  r.get("/dev/widget/script.js", async (c) => {
    const res = await fromAssets(c);
    const source = await res.text();
    const filled = source.replace(/^([ \t]*var API_ORIGIN = )(?:'[^'\n]*'|"[^"\n]*");/m, `$1'${c.var.cfg.publicOrigin}';`);
    return new Response(filled, { status: res.status, headers: res.headers });
  });
  r.get("/dev/widget/*", (c) => fromAssets(c));

  /**
   * amoCRM's server after «Установить» or «Включить»: asks the amoCRM simulator for an authorization
   * code and sends it to our redirect URI (code, referer, from_widget) after `delay_ms`, never twice.
   */
  r.post("/dev/amocrm/deliver-code", async (c) => {
    const body = await jsonObjectBody(c);
    const accountId = Number(body.account_id);
    const delayMs = Math.min(Math.max(Number(body.delay_ms) || 0, 0), MAX_CODE_DELAY_MS);
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("dev_account_required", { field: "account_id" });
    const sim = simOrigin(c.var.cfg.amoApiOrigin);
    const issued = await fetch(`${sim}/__sim/accounts/${accountId}/codes`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    if (!issued.ok) throw new Problem("dev_simulator_failed", { why: `The amoCRM simulator refused a code for account ${accountId}: ${issued.status} ${(await issued.text()).slice(0, 200)}` });
    const { code, referer } = await simAnswer(issued, z.object({ code: z.string(), referer: z.string() }));
    const target = new URL(c.var.cfg.amoRedirectUri);
    target.searchParams.set("code", code);
    target.searchParams.set("referer", referer);
    target.searchParams.set("from_widget", "1");
    // amoCRM does not look at the answer and never resends.
    const deliver = async () => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await fetch(target.toString()).then((r) => r.body?.cancel(), () => undefined);
    };
    if (!delayMs) {
      await deliver();
      return c.json({ delivered: true, delay_ms: 0 });
    }
    c.executionCtx.waitUntil(deliver());
    return c.json({ delivered: false, delay_ms: delayMs });
  });

  /** amoCRM's server after the widget is switched off: the signed disconnect hook, through the simulator. */
  r.post("/dev/amocrm/disable", async (c) => {
    const body = await jsonObjectBody(c);
    const accountId = Number(body.account_id);
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("dev_account_required", { field: "account_id" });
    const sim = simOrigin(c.var.cfg.amoApiOrigin);
    const res = await fetch(`${sim}/__sim/accounts/${accountId}/disconnect`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: `${c.var.cfg.publicOrigin}/oauth/amocrm/disconnect`, variant: "query" }),
    });
    if (!res.ok) throw new Problem("dev_simulator_failed", { why: `The amoCRM simulator could not send the disconnect hook: ${res.status}` });
    return c.json({ sent: true });
  });
  r.get("/dev/vendor/*", (c) => fromAssets(c));

  return r;
}

/** JSON inside a <script> element: `<` is escaped so that no value can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function hostPage(boot: BootData): string {
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>amoCRM · песочница виджета LPTracker</title>
<link rel="icon" href="data:,">
<style>${HOST_CSS}${HOST_THEME_CSS}</style>
<script>${HOST_THEME_HEAD_JS}</script>
</head>
<body class="host-body">
<div class="host-app">
  <nav class="host-nav" aria-label="amoCRM">
    <div class="host-nav__logo">amo</div>
    <a class="host-nav__item" href="#/" data-nav="index">Рабочий стол</a>
    <a class="host-nav__item" href="#/leads/detail/0" data-nav="leads">Сделки</a>
    <a class="host-nav__item" href="#/contacts/detail/0" data-nav="contacts">Контакты</a>
    <a class="host-nav__item" href="#/settings/widgets" data-nav="settings">Настройки</a>
  </nav>
  <main class="host-main" id="host-main"></main>
</div>
<div id="host-modal-root"></div>
<script type="application/json" id="host-boot">${scriptJson(boot)}</script>
<script src="/dev/vendor/require.js"></script>
<script>${HOST_JS}</script>
<script>${HOST_ACTIONS_JS}</script>
<script>${HOST_UNSORTED_JS}</script>
<script>${HOST_TOOLS_JS}</script>
</body>
</html>`;
}

// The host page's own look: a light amoCRM-like layout. Every class starts with `host-`, and the
// widget must look right without any of it.
const HOST_CSS = `
.host-body { margin: 0; background: #f2f3f5; font: 14px/1.4 Arial, Helvetica, sans-serif; color: #1f2d3d; }
.host-app { display: flex; min-height: 100vh; }
.host-nav { flex: 0 0 86px; background: #243447; display: flex; flex-direction: column; align-items: stretch; padding-top: 10px; }
.host-nav__logo { color: #fff; font-weight: 700; font-size: 20px; text-align: center; padding: 10px 0 18px; letter-spacing: 1px; }
.host-nav__item { color: #b9c6d3; text-decoration: none; font-size: 11px; text-align: center; padding: 12px 4px; }
.host-nav__item:hover, .host-nav__item--active { color: #fff; background: #2f4257; }
.host-main { flex: 1 1 auto; min-width: 0; }
.host-top { height: 52px; display: flex; align-items: center; gap: 12px; padding: 0 20px; background: #fff; border-bottom: 1px solid #e1e4e8; }
.host-top__title { font-size: 16px; font-weight: 700; }
.host-top__crumbs { color: #8a96a3; font-size: 13px; }
.host-top__user { margin-left: auto; color: #8a96a3; font-size: 12px; }
.host-card { display: grid; grid-template-columns: 330px minmax(0, 1fr) 300px; min-height: calc(100vh - 53px); }
.host-card__info { background: #fff; border-right: 1px solid #e1e4e8; }
.host-card__head { background: #3c6ea8; color: #fff; padding: 16px 18px; }
.host-card__name { font-size: 18px; font-weight: 700; margin: 0 0 6px; }
.host-card__status { display: inline-block; background: rgba(255,255,255,.2); border-radius: 3px; padding: 2px 8px; font-size: 12px; }
.host-card__fields { padding: 12px 18px; }
.host-field-row { display: flex; gap: 8px; padding: 7px 0; border-bottom: 1px dashed #e6e9ec; font-size: 13px; }
.host-field-row__label { flex: 0 0 120px; color: #8a96a3; }
.host-card__feed { padding: 18px; }
.host-feed-note { background: #fff; border: 1px solid #e1e4e8; border-radius: 4px; padding: 10px 14px; margin-bottom: 10px; color: #6b7885; font-size: 13px; }
.host-card__widgets { background: #f7f8fa; border-left: 1px solid #e1e4e8; padding: 12px; }
.host-widget-block { background: #fff; border: 1px solid #e1e4e8; border-radius: 4px; margin-bottom: 12px; overflow: hidden; }
.host-widget-block__caption { display: flex; align-items: center; gap: 8px; padding: 8px 12px; border-bottom: 1px solid #eef0f2; font-weight: 700; font-size: 13px; }
.host-widget-block__caption img { width: 22px; height: 22px; border-radius: 5px; }
.host-widget-block__body { padding: 8px 12px 12px; }
.host-page { padding: 24px 28px; }
.host-page h1 { font-size: 20px; margin: 0 0 14px; }
.host-panel { background: #fff; border: 1px solid #e1e4e8; border-radius: 4px; padding: 16px 18px; margin-bottom: 16px; max-width: 860px; }
.host-panel a { color: #2d6cd6; }
.host-panel ul { margin: 6px 0; padding-left: 20px; }
.host-integration { display: flex; align-items: center; gap: 14px; }
.host-integration img { width: 84px; height: 84px; border-radius: 12px; }
.host-btn { border: 1px solid #c6cdd4; background: #fff; border-radius: 3px; padding: 8px 16px; font: inherit; cursor: pointer; }
.host-btn--primary { background: #4c8bf7; border-color: #4c8bf7; color: #fff; font-weight: 700; }
.host-modal { position: fixed; inset: 0; background: rgba(31,45,61,.45); display: flex; align-items: flex-start; justify-content: center; overflow: auto; padding: 40px 16px; z-index: 10; }
.host-modal__window { background: #fff; width: 720px; max-width: 100%; border-radius: 4px; box-shadow: 0 10px 40px rgba(0,0,0,.25); }
.host-modal__head { display: flex; gap: 16px; align-items: center; padding: 20px 24px; border-bottom: 1px solid #eef0f2; }
.host-modal__head img { width: 84px; height: 84px; border-radius: 12px; }
.host-modal__title { font-size: 20px; font-weight: 700; margin: 0 0 4px; }
.host-modal__desc { color: #6b7885; font-size: 13px; }
.host-modal__close { margin-left: auto; align-self: flex-start; border: 0; background: none; font-size: 24px; color: #8a96a3; cursor: pointer; }
.host-modal__body { padding: 18px 24px; }
.host-modal__field-label { font-weight: 700; margin-bottom: 6px; }
.host-modal__foot { display: flex; align-items: center; gap: 10px; padding: 14px 24px; border-top: 1px solid #eef0f2; background: #fafbfc; }
.host-modal__note { color: #6b7885; font-size: 13px; }
.host-work-area { background: #fff; min-height: calc(100vh - 53px); }
.host-form-inline { display: flex; gap: 8px; align-items: center; margin-top: 8px; }
.host-form-inline input { padding: 6px 8px; border: 1px solid #c6cdd4; border-radius: 3px; width: 140px; }
`;

// The host page's script: a tiny jQuery (Deferred, $.ajax, a few DOM helpers) registered as the
// `jquery` AMD module, amoCRM's globals and widget object, and a router for the card, settings
// modal and advanced settings views. Plain ES2017, no template literals (it sits inside one).
const HOST_JS = `
(function () {
  'use strict';
  var BOOT = JSON.parse(document.getElementById('host-boot').textContent);
  var query = new URLSearchParams(location.search);
  var CODE = BOOT.widgetCode;
  var loadStamp = String(Date.now());
  // How amoCRM's server behaves around «Установить» and «Включить» (amoCRM documents no order):
  // code=after (default): onSave runs, the OAuth code reaches our redirect URI code_delay ms later;
  // code=first: the code first, onSave code_delay ms later; code=lost: the code never comes.
  // disconnect_hook=0: switching the widget off sends no disconnect hook.
  var CODE_MODE = /^(after|first|lost)$/.test(query.get('code') || '') ? query.get('code') : 'after';
  var CODE_DELAY_MS = query.has('code_delay') ? Math.max(0, Number(query.get('code_delay')) || 0) : 1500;
  var DISCONNECT_HOOK = query.get('disconnect_hook') !== '0';

  function pickAccount() {
    var wanted = Number(query.get('account_id'));
    var byId = BOOT.accounts.filter(function (a) { return a.accountId === wanted; })[0];
    var active = BOOT.accounts.filter(function (a) { return a.status === 'active'; })[0];
    // An account we have never heard of is one that has not installed the widget yet.
    if (wanted && !byId) { return { accountId: wanted, subdomain: query.get('subdomain') || 'demo', status: 'not_installed' }; }
    return byId || active || BOOT.accounts[0] || { accountId: 0, subdomain: 'demo', status: 'not_installed' };
  }
  var account = pickAccount();
  var ctx = {
    accountId: account.accountId,
    subdomain: query.get('subdomain') || account.subdomain,
    userId: Number(query.get('user_id')) || 1,
    isAdmin: query.get('is_admin') !== '0',
    lang: query.get('lang') === 'en' ? 'en' : 'ru'
  };

  // ---- a tiny jQuery: what amoCRM widgets and $authorizedAjax need ----
  function Deferred() {
    var state = 'pending';
    var settledWith = [];
    var onDone = [];
    var onFail = [];
    function settle(to, values) {
      if (state !== 'pending') { return; }
      state = to;
      settledWith = values;
      (to === 'resolved' ? onDone : onFail).forEach(function (f) { f.apply(null, values); });
      onDone = [];
      onFail = [];
    }
    var promise = {
      done: function (f) { if (state === 'resolved') { f.apply(null, settledWith); } else if (state === 'pending') { onDone.push(f); } return promise; },
      fail: function (f) { if (state === 'rejected') { f.apply(null, settledWith); } else if (state === 'pending') { onFail.push(f); } return promise; },
      always: function (f) { return promise.done(f).fail(f); },
      then: function (ok, ko) {
        return new Promise(function (resolve, reject) {
          promise.done(function () { try { resolve(ok ? ok.apply(null, arguments) : arguments[0]); } catch (e) { reject(e); } });
          promise.fail(function () { if (!ko) { reject(arguments[0]); return; } try { resolve(ko.apply(null, arguments)); } catch (e) { reject(e); } });
        });
      },
      promise: function () { return promise; }
    };
    return {
      resolve: function () { settle('resolved', [].slice.call(arguments)); },
      reject: function () { settle('rejected', [].slice.call(arguments)); },
      promise: function () { return promise; }
    };
  }

  function ajax(o) {
    var d = Deferred();
    var xhr = new XMLHttpRequest();
    xhr.open(o.method || o.type || 'GET', o.url, true);
    if (o.timeout) { xhr.timeout = o.timeout; }
    var headers = o.headers || {};
    Object.keys(headers).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
    if (o.data !== undefined && o.contentType) { xhr.setRequestHeader('Content-Type', o.contentType); }
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      var json;
      try { json = JSON.parse(xhr.responseText); } catch (e) { json = undefined; }
      xhr.responseJSON = json;
      if (xhr.status >= 200 && xhr.status < 300) { d.resolve(json, 'success', xhr); } else { d.reject(xhr, 'error', xhr.statusText); }
    };
    xhr.onerror = function () { d.reject(xhr, 'error', ''); };
    xhr.ontimeout = function () { d.reject(xhr, 'timeout', 'timeout'); };
    xhr.send(o.data === undefined ? null : o.data);
    return d.promise();
  }

  function wrap(nodes) {
    var w = { length: nodes.length };
    nodes.forEach(function (n, i) { w[i] = n; });
    w.find = function (sel) {
      var out = [];
      nodes.forEach(function (n) { out.push.apply(out, [].slice.call(n.querySelectorAll(sel))); });
      return wrap(out);
    };
    w.append = function (x) {
      nodes.forEach(function (n) {
        if (typeof x === 'string') { n.insertAdjacentHTML('beforeend', x); } else { n.appendChild(x.nodeType ? x : x[0]); }
      });
      return w;
    };
    w.html = function (h) { if (h === undefined) { return nodes[0] ? nodes[0].innerHTML : ''; } nodes.forEach(function (n) { n.innerHTML = h; }); return w; };
    w.val = function (v) { if (v === undefined) { return nodes[0] ? nodes[0].value : undefined; } nodes.forEach(function (n) { n.value = v; }); return w; };
    w.attr = function (k, v) { if (v === undefined) { return nodes[0] ? nodes[0].getAttribute(k) : undefined; } nodes.forEach(function (n) { n.setAttribute(k, v); }); return w; };
    w.on = function (type, fn) { nodes.forEach(function (n) { n.addEventListener(type, fn); }); return w; };
    w.trigger = function (type) { nodes.forEach(function (n) { n.dispatchEvent(new Event(type, { bubbles: true })); }); return w; };
    return w;
  }
  function $(x) {
    if (typeof x === 'string') {
      if (x.trim().charAt(0) === '<') {
        var t = document.createElement('template');
        t.innerHTML = x.trim();
        return wrap([].slice.call(t.content.childNodes));
      }
      return wrap([].slice.call(document.querySelectorAll(x)));
    }
    if (x && x.nodeType) { return wrap([x]); }
    return wrap([]);
  }
  $.ajax = ajax;
  $.Deferred = Deferred;
  define('jquery', [], function () { return $; });

  // ---- amoCRM's globals ----
  var route = { view: 'index', id: 0 };
  var APP = {
    lang_id: ctx.lang,
    data: { current_card: null, current_entity: null },
    widgets: { system: { area: '' } },
    getBaseEntity: function () { return route.view === 'contacts' ? 'contacts' : route.view === 'leads' ? 'leads' : null; },
    isCard: function () { return route.view === 'leads' || route.view === 'contacts'; },
    getWidgetsArea: function () { return APP.widgets.system.area; },
    constant: function (name) {
      if (name === 'user') { return { id: ctx.userId, name: 'Администратор (песочница)' }; }
      if (name === 'account') { return { id: ctx.accountId, subdomain: ctx.subdomain }; }
      return null;
    }
  };
  window.APP = APP;
  window.AMOCRM = APP;

  // ---- widget settings amoCRM keeps for the account ----
  var SETTINGS_KEY = 'lptw-sandbox-settings:' + ctx.accountId;
  function savedSettings() {
    var stored = {};
    try { stored = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}') || {}; } catch (e) { stored = {}; }
    // ?consent=0|1 overrides what was saved, so that tests and demos can start from either state.
    if (query.has('consent')) { stored.consent = query.get('consent') === '1' ? '1' : ''; }
    else if (stored.consent === undefined) { stored.consent = '1'; }
    return stored;
  }
  function storeSettings(fields) {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(fields));
  }

  // ---- what amoCRM knows about the widget in this account: installed, switched on or off ----
  // ?installed=0|1 picks the start for a fresh browser; otherwise an account our backend has
  // installed counts as installed, any other as not installed yet.
  var STATE_KEY = 'lptw-sandbox-widget:' + ctx.accountId;
  function widgetState() {
    var s = null;
    try { s = JSON.parse(localStorage.getItem(STATE_KEY) || 'null'); } catch (e) { s = null; }
    if (!s || typeof s !== 'object') {
      var installed = query.has('installed') ? query.get('installed') === '1' : account.status === 'active';
      s = { installed: installed, active: installed ? 'Y' : 'N' };
    }
    return s;
  }
  function storeWidgetState(s) {
    localStorage.setItem(STATE_KEY, JSON.stringify(s));
    document.body.setAttribute('data-widget-installed', s.installed ? '1' : '0');
    document.body.setAttribute('data-widget-active', s.active);
  }
  // amoCRM's get_install_status(): 'install' until installed and switched on.
  function installStatus() {
    var s = widgetState();
    return s.installed && s.active === 'Y' ? 'installed' : 'install';
  }
  function post(url, body) {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(function (r) {
      if (!r.ok) { throw new Error(url + ' answered ' + r.status); }
      return r.json();
    });
  }
  // amoCRM's server sends the OAuth code to the integration's redirect URI (after delayMs).
  function deliverCode(delayMs) {
    return post('/dev/amocrm/deliver-code', { account_id: ctx.accountId, delay_ms: delayMs }).then(function (answer) {
      document.body.setAttribute('data-code', answer.delivered ? 'delivered' : 'scheduled');
      logStep(answer.delivered ? 'code:delivered' : 'code:scheduled');
      return answer;
    });
  }

  var manifest = null;
  var langs = null;
  var WidgetCtor = null;
  var widget = null;

  function fetchJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(url + ' answered ' + r.status + ': run npm run widget:build'); }
      return r.json();
    });
  }
  function loadScript() {
    return new Promise(function (resolve, reject) {
      requirejs(['/dev/widget/script.js?v=' + encodeURIComponent(manifest.widget.version + '-' + loadStamp)], resolve, reject);
    });
  }
  function text(path) {
    var node = langs;
    path.split('.').forEach(function (p) { node = node && typeof node === 'object' ? node[p] : undefined; });
    return typeof node === 'string' ? node : path;
  }

  // What amoCRM puts on a widget object before calling its callbacks.
  function createWidget(area) {
    APP.widgets.system.area = area;
    var base = {
      params: {
        path: '/dev/widget',
        version: manifest.widget.version + '-' + loadStamp,
        widget_code: CODE,
        status: installStatus(),
        // Before the first install amoCRM does not set 'Y' here.
        active: widgetState().installed ? widgetState().active : undefined,
        images_path: '/dev/widget/images'
      },
      get_install_status: function () { return installStatus(); },
      langs: langs,
      i18n: function (key) { return langs[key]; },
      get_version: function () { return this.params.version; },
      get_settings: function () {
        var s = savedSettings();
        s.widget_code = CODE;
        s.active = widgetState().active;
        return s;
      },
      system: function () {
        return { area: area, amouser_id: String(ctx.userId), amouser: 'admin@' + ctx.subdomain + '.example', subdomain: ctx.subdomain, lang: ctx.lang, server: 'sandbox' };
      },
      render_template: function (o) {
        var panel = document.getElementById('host-widgets');
        if (!panel) { return; }
        var block = document.createElement('div');
        block.className = 'host-widget-block';
        block.setAttribute('data-widget-code', CODE);
        var caption = document.createElement('div');
        caption.className = 'host-widget-block__caption ' + ((o.caption && o.caption.class_name) || '');
        var img = document.createElement('img');
        img.src = '/dev/widget/images/logo_min.png';
        img.alt = '';
        var name = document.createElement('span');
        name.textContent = text(manifest.widget.name);
        caption.appendChild(img);
        caption.appendChild(name);
        var body = document.createElement('div');
        body.className = 'host-widget-block__body';
        body.innerHTML = (o.body || '') + (o.render || '');
        block.appendChild(caption);
        block.appendChild(body);
        panel.appendChild(block);
      },
      // Like amoCRM: a fresh one-time token for every request, sent as X-Auth-Token.
      $authorizedAjax: function (options) {
        var d = Deferred();
        ajax({
          url: '/dev/token',
          type: 'POST',
          contentType: 'application/json',
          data: JSON.stringify({ account_id: ctx.accountId, user_id: ctx.userId, is_admin: ctx.isAdmin, subdomain: ctx.subdomain })
        }).done(function (answer) {
          var headers = Object.assign({}, options.headers || {}, { 'X-Auth-Token': answer.token });
          ajax(Object.assign({}, options, { headers: headers })).done(d.resolve).fail(d.reject);
        }).fail(d.reject);
        return d.promise();
      }
    };
    WidgetCtor.prototype = base;
    return new WidgetCtor();
  }

  // Every callback amoCRM ran, in order, for tests: body[data-callback-log] = "render,init,…".
  // amoCRM's own steps (the code hook) are logged there too.
  var callbackLog = [];
  function logStep(step) {
    callbackLog.push(step);
    document.body.setAttribute('data-callback-log', callbackLog.join(','));
  }
  function run(name, arg) {
    var fn = widget && widget.callbacks && widget.callbacks[name];
    if (typeof fn !== 'function') { return undefined; }
    logStep(name === 'onSave' && arg ? name + ':' + arg.active : name);
    var result = fn.call(widget, arg);
    document.body.setAttribute('data-callback-' + name.replace('_', '-'), String(result));
    return result;
  }

  function leaveView() {
    if (widget) { run('destroy'); }
    widget = null;
    document.getElementById('host-modal-root').innerHTML = '';
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function el(tag, cls, textContent) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (textContent !== undefined) { n.textContent = textContent; }
    return n;
  }

  function topBar(title, crumbs) {
    var bar = el('div', 'host-top');
    bar.appendChild(el('div', 'host-top__title', title));
    if (crumbs) { bar.appendChild(el('div', 'host-top__crumbs', crumbs)); }
    bar.appendChild(el('div', 'host-top__user', ctx.subdomain + '.amocrm.ru · пользователь ' + ctx.userId + (ctx.isAdmin ? ' (администратор)' : '')));
    return bar;
  }

  // A view's start: the work area emptied, with amoCRM's top bar.
  function openMain(title, crumbs) {
    var main = document.getElementById('host-main');
    main.innerHTML = '';
    main.appendChild(topBar(title, crumbs));
    return main;
  }

  // A settings-style view: the top bar over one .host-page block, which is returned to fill.
  function openPage(title, crumbs) {
    var page = el('div', 'host-page');
    openMain(title, crumbs).appendChild(page);
    return page;
  }

  // amoCRM's modal frame in #host-modal-root (emptied first): the caller fills its head and adds the rest to win.
  function openModal() {
    var root = document.getElementById('host-modal-root');
    root.innerHTML = '';
    var modal = el('div', 'host-modal');
    var win = el('div', 'host-modal__window');
    win.setAttribute('role', 'dialog');
    var head = el('div', 'host-modal__head');
    win.appendChild(head);
    modal.appendChild(win);
    root.appendChild(modal);
    return { root: root, win: win, head: head };
  }

  function markNav(name) {
    [].forEach.call(document.querySelectorAll('.host-nav__item'), function (a) {
      a.classList.toggle('host-nav__item--active', a.getAttribute('data-nav') === name);
    });
  }

  function leadName(id) {
    var list = BOOT.leads[ctx.accountId] || [];
    var hit = list.filter(function (l) { return l.amoId === id; })[0];
    return hit && hit.name ? hit.name : null;
  }

  function renderCard(entity, id) {
    var isLead = entity === 'leads';
    var main = openMain(isLead ? 'Сделки' : 'Контакты', isLead ? 'Воронка › Сделка №' + id : 'Контакт №' + id);
    var grid = el('div', 'host-card');
    var info = el('section', 'host-card__info');
    var head = el('div', 'host-card__head');
    head.appendChild(el('h1', 'host-card__name', (isLead ? leadName(id) : null) || (isLead ? 'Сделка №' : 'Контакт №') + id));
    head.appendChild(el('span', 'host-card__status', isLead ? 'Воронка · статус из amoCRM' : 'Контакт'));
    info.appendChild(head);
    var fields = el('div', 'host-card__fields');
    [['Ответственный', 'Администратор'], ['Бюджет', '0 ₽'], ['Песочница', 'поля карточки здесь не показываются']].forEach(function (pair) {
      var row = el('div', 'host-field-row');
      row.appendChild(el('span', 'host-field-row__label', pair[0]));
      row.appendChild(el('span', '', pair[1]));
      fields.appendChild(row);
    });
    info.appendChild(fields);
    var feed = el('section', 'host-card__feed');
    feed.appendChild(el('div', 'host-feed-note', 'Лента событий amoCRM. Виджет LPTracker — в правой колонке.'));
    var widgets = el('aside', 'host-card__widgets');
    widgets.id = 'host-widgets';
    grid.appendChild(info);
    grid.appendChild(feed);
    grid.appendChild(widgets);
    main.appendChild(grid);

    APP.data.current_card = { id: id, main_user: ctx.userId };
    APP.data.current_entity = entity;
    widget = createWidget(isLead ? 'lcard' : 'ccard');
    run('render');
    run('init');
    run('bind_actions');
  }

  // The widget's logo, name and a description, as amoCRM's integration tile and settings modal show them.
  function appendWidgetTitle(into, description) {
    var img = el('img');
    img.src = '/dev/widget/images/logo_min.png';
    img.alt = '';
    into.appendChild(img);
    var about = el('div');
    about.appendChild(el('div', 'host-modal__title', text(manifest.widget.name)));
    about.appendChild(el('div', 'host-modal__desc', text(description)));
    into.appendChild(about);
  }

  function renderIntegrations() {
    var page = openPage('Настройки', 'Интеграции');
    var panel = el('div', 'host-panel host-integration');
    appendWidgetTitle(panel, manifest.widget.short_description);
    var st = widgetState();
    var state = el('span', 'host-modal__note', !st.installed ? 'Не установлен' : st.active === 'Y' ? 'Установлен, включён' : 'Установлен, отключён');
    state.setAttribute('data-testid', 'host-widget-state');
    panel.appendChild(state);
    var open = el('button', 'host-btn host-btn--primary', st.installed ? 'Настроить' : 'Установить');
    open.setAttribute('data-testid', 'host-open-settings');
    open.style.marginLeft = 'auto';
    open.onclick = openSettingsModal;
    panel.appendChild(open);
    page.appendChild(panel);
  }

  function openSettingsModal() {
    var frame = openModal();
    var win = frame.win;
    var head = frame.head;
    appendWidgetTitle(head, manifest.widget.description);
    var close = el('button', 'host-modal__close', '×');
    close.setAttribute('aria-label', 'Закрыть');
    close.onclick = function () { location.hash = '#/settings/widgets/installed'; };
    head.appendChild(close);

    var body = el('div', 'host-modal__body widget-settings__modal-body');
    var current = savedSettings();
    Object.keys(manifest.settings || {}).forEach(function (key) {
      var field = manifest.settings[key];
      var wrapField = el('div', 'host-modal__field');
      wrapField.appendChild(el('div', 'host-modal__field-label', text(field.name)));
      var input = el('input');
      input.name = key;
      input.type = field.type === 'custom' ? 'hidden' : field.type === 'pass' ? 'password' : 'text';
      input.value = current[key] || '';
      wrapField.appendChild(input);
      body.appendChild(wrapField);
    });
    win.appendChild(body);

    var foot = el('div', 'host-modal__foot');
    win.appendChild(foot);

    function fieldsNow() {
      var fields = {};
      [].forEach.call(body.querySelectorAll('input[name]'), function (i) { fields[i.name] = i.value; });
      return fields;
    }
    function button(label, testId, primary, onClick) {
      var b = el('button', 'host-btn' + (primary ? ' host-btn--primary' : ''), label);
      b.setAttribute('data-testid', testId);
      b.onclick = function () {
        [].forEach.call(foot.querySelectorAll('button'), function (x) { x.disabled = true; });
        Promise.resolve(onClick()).then(renderFoot, renderFoot);
      };
      foot.appendChild(b);
      return b;
    }
    var note = el('span', 'host-modal__note', '');
    note.setAttribute('data-testid', 'host-save-note');

    // onSave with evt.active 'Y': resolves true to go on; false or a rejection keeps the modal as it is.
    function saveYes() {
      var fields = fieldsNow();
      note.textContent = 'Сохраняем…';
      return Promise.resolve(run('onSave', { active: 'Y', fields: fields })).then(function (ok) {
        if (ok === false) { note.textContent = 'Виджет не разрешил сохранить.'; return false; }
        storeSettings(fields);
        return true;
      }, function () {
        // amoCRM keeps the modal open; the widget shows why.
        note.textContent = '';
        return false;
      });
    }

    // «Установить» and «Включить»: amoCRM grants access with a fresh OAuth code, in either order.
    function grant() {
      var before = CODE_MODE === 'first' ? deliverCode(0).then(function () { return wait(CODE_DELAY_MS); }) : Promise.resolve();
      return before.then(saveYes).then(function (ok) {
        if (!ok) { return; }
        storeWidgetState({ installed: true, active: 'Y' });
        document.body.setAttribute('data-settings-saved', '1');
        note.textContent = 'Виджет установлен и включён.';
        if (CODE_MODE === 'after') { return deliverCode(CODE_DELAY_MS); }
        if (CODE_MODE === 'lost') { document.body.setAttribute('data-code', 'lost'); }
      });
    }

    function save() {
      return saveYes().then(function (ok) {
        if (!ok) { return; }
        document.body.setAttribute('data-settings-saved', '1');
        // amoCRM closes the modal after a successful save.
        location.hash = '#/settings/widgets/installed';
      });
    }

    // Switching off: onSave with evt.active 'N' and the settings as they are, then destroy; amoCRM
    // does not let the widget refuse it. Then amoCRM's server sends the disconnect hook.
    function switchOff() {
      note.textContent = 'Отключаем…';
      var fields = fieldsNow();
      return Promise.resolve(run('onSave', { active: 'N', fields: fields })).catch(function () { return true; }).then(function () {
        run('destroy');
        widget = null;
        storeWidgetState({ installed: true, active: 'N' });
        return DISCONNECT_HOOK ? post('/dev/amocrm/disable', { account_id: ctx.accountId }) : null;
      }).then(function () {
        document.body.setAttribute('data-switched-off', '1');
        location.hash = '#/settings/widgets/installed';
      });
    }

    function renderFoot() {
      if (!foot.isConnected) { return; }
      foot.innerHTML = '';
      var st = widgetState();
      if (!st.installed) { button('Установить', 'host-install', true, grant); }
      else if (st.active !== 'Y') { button('Включить', 'host-enable', true, grant); }
      else {
        button('Сохранить', 'host-save', true, save);
        button('Отключить', 'host-disable', false, switchOff);
      }
      foot.appendChild(note);
    }
    renderFoot();

    // amoCRM runs render, init and bind_actions in every area, settings only once the modal is open.
    widget = createWidget('settings');
    run('render');
    run('init');
    run('bind_actions');
    run('settings', $(body));
  }

  function renderAdvanced() {
    var main = openMain('Настройки', 'Интеграции › ' + text(manifest.advanced.title));
    var area = el('div', 'host-work-area');
    area.id = 'work-area-' + CODE;
    main.appendChild(area);
    widget = createWidget('advanced_settings');
    run('init');
    run('advancedSettings');
  }

  function renderIndex() {
    var page = openPage('Песочница amoCRM', 'виджет LPTracker');
    var panel = el('div', 'host-panel');
    panel.appendChild(el('h1', '', 'Локальная страница amoCRM'));
    panel.appendChild(el('p', '', 'Здесь настоящий widget/script.js запускается так, как его запускает amoCRM. Аккаунт №' + ctx.accountId + ' (' + ctx.subdomain + ', ' + account.status + ').'));
    var list = el('ul');
    var add = function (href, label) {
      var li = el('li');
      var a = el('a', '', label);
      a.href = href;
      li.appendChild(a);
      list.appendChild(li);
    };
    (BOOT.leads[ctx.accountId] || []).forEach(function (l) { add('#/leads/detail/' + l.amoId, 'Сделка №' + l.amoId + (l.name ? ' — ' + l.name : '')); });
    add('#/settings/widgets', 'Настройки виджета (окно настроек)');
    add('#/settings/widgets/advanced', 'Расширенные настройки (поля и этапы)');
    panel.appendChild(list);
    var form = el('form', 'host-form-inline');
    var input = el('input');
    input.placeholder = 'ID сделки';
    input.inputMode = 'numeric';
    var go = el('button', 'host-btn', 'Открыть карточку');
    form.appendChild(input);
    form.appendChild(go);
    form.onsubmit = function (e) { e.preventDefault(); location.hash = '#/leads/detail/' + (Number(input.value) || 0); };
    panel.appendChild(form);
    panel.appendChild(el('p', '', 'Параметры адреса: account_id, subdomain, user_id, is_admin=0|1, lang=ru|en, consent=0|1, installed=0|1 (виджет ещё не установлен / установлен), code=after|first|lost и code_delay=мс (когда amoCRM пришлёт код доступа: после onSave, до него, никогда), disconnect_hook=0 (отключение без хука amoCRM).'));
    page.appendChild(panel);
  }

  function parseRoute() {
    var hash = location.hash || (query.get('view') ? '#/' + query.get('view') : '#/');
    var m = /^#\\/(leads|contacts)\\/detail\\/(\\d+)/.exec(hash);
    if (m) { return { view: m[1], id: Number(m[2]) }; }
    if (/^#\\/settings\\/widgets\\/advanced/.test(hash)) { return { view: 'advanced', id: 0 }; }
    if (/^#\\/settings\\/widgets\\/installed/.test(hash)) { return { view: 'integrations', id: 0 }; }
    if (/^#\\/settings/.test(hash)) { return { view: 'settings', id: 0 }; }
    return { view: 'index', id: 0 };
  }

  function show() {
    leaveView();
    var extra = extraViews.filter(function (v) { return v.match(location.hash); })[0];
    if (extra) { route = { view: extra.name, id: 0 }; markNav(extra.nav); document.body.setAttribute('data-view', extra.name); extra.render(); return; }
    route = parseRoute();
    markNav(route.view === 'advanced' || route.view === 'integrations' ? 'settings' : route.view);
    document.body.setAttribute('data-view', route.view);
    if (route.view === 'leads' || route.view === 'contacts') { renderCard(route.view, route.id); }
    else if (route.view === 'settings') { renderIntegrations(); openSettingsModal(); }
    else if (route.view === 'integrations') { renderIntegrations(); }
    else if (route.view === 'advanced') { renderAdvanced(); }
    else { renderIndex(); }
  }

  // For tests and the console: the widget object amoCRM currently holds (null between views).
  window.amoHost = { widget: function () { return widget; }, installStatus: installStatus };
  // Views other sandbox modules add (dev-host-actions.ts: lists, Digital Pipeline) register here.
  var extraViews = [];
  window.HOST = {
    ctx: { accountId: ctx.accountId, userId: ctx.userId, code: CODE }, views: extraViews, el: el, topBar: topBar, openMain: openMain, openModal: openModal, text: text, run: run, leave: leaveView,
    manifest: function () { return manifest; },
    mount: function (area) { widget = createWidget(area); return widget; }
  };

  requirejs.config({ waitSeconds: 30 });
  fetchJson('/dev/widget/manifest.json').then(function (m) {
    manifest = m;
    return fetchJson('/dev/widget/i18n/' + ctx.lang + '.json');
  }).then(function (dict) {
    langs = dict;
    return loadScript();
  }).then(function (ctor) {
    WidgetCtor = ctor;
    window.addEventListener('hashchange', show);
    storeWidgetState(widgetState());
    show();
    document.body.setAttribute('data-host-ready', '1');
  }).catch(function (err) {
    var main = document.getElementById('host-main');
    main.innerHTML = '';
    var p = el('div', 'host-page');
    p.appendChild(el('div', 'host-panel', 'Виджет не загрузился: ' + (err && err.message ? err.message : String(err))));
    main.appendChild(p);
    console.error(err);
  });
})();
`;
