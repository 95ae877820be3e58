// Sandbox only: the amoCRM pages the widget's native actions live on, added to the local host page
// (/dev/amocrm): the lead and contact lists (#/leads/list, #/contacts/list: checkboxes, the «Ещё»
// menu with our widget, leads.selected/contacts.selected with list_selected()) and the Digital
// Pipeline (#/leads/pipeline: add our action to a status through dpSettings, move a lead into it,
// and the simulator posts the DP hook to the Worker). Data comes from the amoCRM simulator.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { z } from "zod";
import { Problem } from "../lib/problem";
import { jsonObjectBody } from "../lib/validate";
import { trimOrigin } from "../env";
import { DP_HOOK_PATH } from "./hooks-dp";
import { hostPluginScript } from "./dev-host-plugin";

/** Calls the amoCRM simulator's control API for a host page view (`what` names it in the error). */
export async function simCall(c: Context<AppEnv>, what: string, method: string, path: string, body?: unknown): Promise<Response> {
  const origin = c.env.AMOCRM_API_ORIGIN;
  if (!origin) throw new Problem("dev_unavailable", { why: `AMOCRM_API_ORIGIN is not set: the host page's ${what} need the amoCRM simulator (\`npm start\`).` });
  const res = await fetch(`${trimOrigin(origin)}/__sim${path}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return new Response(text, { status: res.status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

const sim = (c: Context<AppEnv>, method: string, path: string, body?: unknown) => simCall(c, "lists and Digital Pipeline", method, path, body);

const simRecords = z.array(z.record(z.string(), z.unknown()));
/** What the host page reads of the simulator's account state and DP actions. */
const simStateSchema = z.object({ account: z.object({ pipelines: z.array(z.unknown()) }), leads: simRecords, contacts: simRecords });
const simDpActionsSchema = z.object({ actions: z.array(z.unknown()) });

/** A simulator answer read by `schema`; another shape is the simulator's failure, not the caller's. */
export async function simAnswer<T>(res: Response, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new Problem("dev_simulator_failed", { why: `The amoCRM simulator answered ${res.status} with an unexpected body: ${parsed.error.issues[0]?.message ?? "not JSON"}` });
  return parsed.data;
}

export function accountOf(c: Context<AppEnv>): number {
  const id = Number(c.req.query("account_id"));
  if (!Number.isSafeInteger(id) || id <= 0) throw new Problem("dev_account_required", { field: "account_id" });
  return id;
}

export function devHostActionRoutes() {
  const r = new Hono<AppEnv>();

  /** Leads, contacts and pipelines of the account as the simulator holds them, with its DP actions. */
  r.get("/dev/amocrm/data", async (c) => {
    const id = accountOf(c);
    const state = await sim(c, "GET", `/accounts/${id}/state`);
    if (!state.ok) return state;
    const s = await simAnswer(state, simStateSchema);
    const dp = await simAnswer(await sim(c, "GET", `/accounts/${id}/dp/actions`), simDpActionsSchema);
    const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
    return c.json({
      pipelines: s.account.pipelines,
      leads: s.leads.map((l) => pick(l, ["id", "name", "pipeline_id", "status_id", "price", "contact_ids"])),
      contacts: s.contacts.map((ct) => pick(ct, ["id", "name"])),
      dpActions: dp.actions,
      dpWebhookUrl: `${c.var.cfg.publicOrigin}${DP_HOOK_PATH}`,
    });
  });

  /** «Готово» in the DP action modal: amoCRM keeps the settings with the action on that status. */
  r.post("/dev/amocrm/dp/actions", async (c) => {
    const id = accountOf(c);
    const body = await jsonObjectBody(c);
    return sim(c, "POST", `/accounts/${id}/dp/actions`, { ...body, webhook_url: `${c.var.cfg.publicOrigin}${DP_HOOK_PATH}` });
  });

  r.delete("/dev/amocrm/dp/actions/:actionId", async (c) => sim(c, "DELETE", `/accounts/${accountOf(c)}/dp/actions/${Number(c.req.param("actionId"))}`));

  /** A user drags a lead into a status: the simulator moves it and posts every DP hook of that status. */
  r.post("/dev/amocrm/dp/move", async (c) => {
    const id = accountOf(c);
    const body = await jsonObjectBody(c);
    return sim(c, "POST", `/accounts/${id}/dp/move`, { lead_id: body.lead_id, status_id: body.status_id, pipeline_id: body.pipeline_id, format: body.format === "json" ? "json" : "form" });
  });

  return r;
}

export const HOST_ACTIONS_CSS = `
.host-list { padding: 16px 20px; display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 16px; align-items: start; }
.host-list__bar { display: flex; gap: 10px; align-items: center; margin-bottom: 10px; position: relative; }
.host-list__table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #e1e4e8; }
.host-list__table th, .host-list__table td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #eef0f2; font-size: 13px; }
.host-list__menu { position: absolute; top: 38px; left: 0; background: #fff; border: 1px solid #c6cdd4; border-radius: 3px; box-shadow: 0 6px 20px rgba(0,0,0,.15); z-index: 5; min-width: 240px; }
.host-list__menu button { display: block; width: 100%; text-align: left; border: 0; background: none; padding: 9px 12px; font: inherit; cursor: pointer; }
.host-list__menu button:hover { background: #f2f6fd; }
.host-list__pager { margin-top: 8px; color: #6b7885; font-size: 12px; display: flex; gap: 8px; align-items: center; }
.host-dp { padding: 16px 20px; }
.host-dp__columns { display: flex; gap: 10px; overflow-x: auto; padding-bottom: 10px; }
.host-dp__status { flex: 0 0 210px; background: #fff; border: 1px solid #e1e4e8; border-radius: 4px; padding: 10px; font-size: 13px; }
.host-dp__status h3 { font-size: 13px; margin: 0 0 8px; }
.host-dp__action { background: #f2f6fd; border: 1px solid #cfdcf3; border-radius: 3px; padding: 6px 8px; margin-bottom: 6px; font-size: 12px; overflow-wrap: anywhere; }
.host-dp__lead { display: flex; gap: 6px; align-items: center; margin: 4px 0; font-size: 12px; }
.host-dp__log { margin-top: 12px; font-size: 12px; color: #445; white-space: pre-wrap; }
.host-dp__fields label { display: block; margin: 6px 0; font-size: 12px; color: #6b7885; }
.host-dp__fields input { display: block; width: 100%; box-sizing: border-box; padding: 5px 7px; border: 1px solid #c6cdd4; border-radius: 3px; }
:root[data-color-scheme="dark"] .host-list__table, :root[data-color-scheme="dark"] .host-dp__status, :root[data-color-scheme="dark"] .host-list__menu { background: #1d2631; border-color: #2e3a47; color: #e1e7ed; }
:root[data-color-scheme="dark"] .host-dp__action { background: #24313f; border-color: #3b4754; }
:root[data-color-scheme="dark"] .host-list__menu button { color: #e1e7ed; }
`;

// Registers the lists and Digital Pipeline views with the host page (window.HOST).
export const HOST_ACTIONS_JS = hostPluginScript(
  HOST_ACTIONS_CSS,
  [
    ["#/leads/list", "leads-list", "Список сделок"],
    ["#/contacts/list", "contacts-list", "Список контактов"],
    ["#/leads/pipeline", "pipeline", "Digital Pipeline"],
  ],
  `
  var PAGE = 10;

  function data() {
    return fetch('/dev/amocrm/data?account_id=' + ctx.accountId).then(function (r) {
      return r.json().then(function (body) { if (!r.ok) { throw new Error(body.detail || body.error || ('HTTP ' + r.status)); } return body; });
    });
  }
  function post(path, body, method) {
    return fetch(path + '?account_id=' + ctx.accountId, { method: method || 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) { throw new Error(b.detail || b.error || ('HTTP ' + r.status)); } return b; });
    });
  }
  function failed(main, err) {
    var p = el('div', 'host-page');
    p.appendChild(el('div', 'host-panel', 'Не удалось загрузить данные симулятора amoCRM: ' + (err && err.message ? err.message : String(err))));
    main.appendChild(p);
  }

  // ---- #/leads/list and #/contacts/list ----
  function renderList(entity) {
    var isLeads = entity === 'leads';
    var main = H.openMain(isLeads ? 'Сделки' : 'Контакты', 'Список');
    data().then(function (d) {
      var rows = isLeads ? d.leads : d.contacts;
      var page = 0;
      var checked = {};
      var allPages = false;
      var wrap = el('div', 'host-list');
      var left = el('section');
      var bar = el('div', 'host-list__bar');
      var count = el('span', 'host-list__count', '');
      count.setAttribute('data-testid', 'host-list-count');
      var more = el('button', 'host-btn', 'Ещё ▾');
      more.setAttribute('data-testid', 'host-list-more');
      more.disabled = true;
      var menu = el('div', 'host-list__menu');
      menu.hidden = true;
      var item = el('button', '', H.text(H.manifest().widget.name));
      item.setAttribute('data-testid', 'host-list-widget');
      menu.appendChild(item);
      bar.appendChild(more);
      bar.appendChild(count);
      bar.appendChild(menu);
      left.appendChild(bar);
      var table = el('table', 'host-list__table');
      left.appendChild(table);
      var pager = el('div', 'host-list__pager');
      left.appendChild(pager);
      var aside = el('aside', 'host-card__widgets');
      aside.id = 'host-widgets';
      wrap.appendChild(left);
      wrap.appendChild(aside);
      main.appendChild(wrap);

      function selectedIds() { return Object.keys(checked).filter(function (k) { return checked[k]; }).map(Number); }
      function paint() {
        var n = allPages ? rows.length : selectedIds().length;
        count.textContent = n ? 'Выбрано: ' + n : 'Отметьте строки, чтобы выбрать действие';
        more.disabled = n === 0;
      }
      function drawPage() {
        table.innerHTML = '';
        var head = el('tr');
        var all = el('input');
        all.type = 'checkbox';
        all.setAttribute('aria-label', 'Выбрать все на странице');
        all.setAttribute('data-testid', 'host-list-check-page');
        head.appendChild(el('th')).appendChild(all);
        head.appendChild(el('th', '', '№'));
        head.appendChild(el('th', '', isLeads ? 'Сделка' : 'Контакт'));
        table.appendChild(head);
        var slice = rows.slice(page * PAGE, page * PAGE + PAGE);
        var boxes = [];
        slice.forEach(function (row) {
          var tr = el('tr');
          var box = el('input');
          box.type = 'checkbox';
          box.checked = !!checked[row.id];
          box.setAttribute('data-testid', 'host-list-check');
          box.setAttribute('data-id', String(row.id));
          box.onchange = function () { checked[row.id] = box.checked; allPages = false; paint(); };
          boxes.push(box);
          tr.appendChild(el('td')).appendChild(box);
          tr.appendChild(el('td', '', String(row.id)));
          tr.appendChild(el('td', '', row.name || ''));
          table.appendChild(tr);
        });
        all.onchange = function () {
          slice.forEach(function (row) { checked[row.id] = all.checked; });
          boxes.forEach(function (b) { b.checked = all.checked; });
          allPages = false;
          paint();
        };
        pager.innerHTML = '';
        var pages = Math.max(1, Math.ceil(rows.length / PAGE));
        pager.appendChild(el('span', '', 'Страница ' + (page + 1) + ' из ' + pages + ' · всего ' + rows.length));
        if (page > 0) { var prev = el('button', 'host-btn', '‹'); prev.onclick = function () { page--; drawPage(); }; pager.appendChild(prev); }
        if (page < pages - 1) { var next = el('button', 'host-btn', '›'); next.onclick = function () { page++; drawPage(); }; pager.appendChild(next); }
        // amoCRM's "select all" covers every page, but hands the widget only the rows it has loaded.
        var everything = el('button', 'host-btn', 'Выбрать все ' + rows.length);
        everything.setAttribute('data-testid', 'host-list-select-all');
        everything.onclick = function () {
          allPages = true;
          slice.forEach(function (row) { checked[row.id] = true; });
          boxes.forEach(function (b) { b.checked = true; });
          paint();
        };
        pager.appendChild(everything);
      }
      more.onclick = function () { menu.hidden = !menu.hidden; };
      item.onclick = function () {
        menu.hidden = true;
        aside.innerHTML = '';
        var onPage = rows.slice(page * PAGE, page * PAGE + PAGE).map(function (r) { return r.id; });
        var ids = allPages ? onPage : selectedIds();
        var w = H.mount(isLeads ? 'llist' : 'clist');
        // amoCRM's list_selected(): the checked rows it has loaded, and how many the user selected.
        w.list_selected = function () {
          return {
            count_selected: allPages ? rows.length : ids.length,
            selected: ids.map(function (id) { return { id: id, type: isLeads ? 'lead' : 'contact', emails: [], phones: [] }; })
          };
        };
        w.widgetsOverlay = function () { return true; };
        H.run('init');
        H.run('bind_actions');
        var cb = w.callbacks && w.callbacks[entity] && w.callbacks[entity].selected;
        var result = typeof cb === 'function' ? cb.call(w) : undefined;
        document.body.setAttribute('data-callback-' + entity + '-selected', String(result));
      };
      drawPage();
      paint();
    }).catch(function (err) { failed(main, err); });
  }

  // ---- #/leads/pipeline: Digital Pipeline ----
  function renderPipeline() {
    var main = H.openMain('Сделки', 'Воронка › Digital Pipeline');
    var page = el('div', 'host-dp');
    main.appendChild(page);
    var log = el('div', 'host-dp__log');
    log.setAttribute('data-testid', 'host-dp-log');
    data().then(function draw(d) {
      page.innerHTML = '';
      var pipeline = d.pipelines.filter(function (p) { return p.is_main; })[0] || d.pipelines[0];
      page.appendChild(el('p', 'host-modal__note', 'Хук действия уходит на ' + d.dpWebhookUrl + ' (dp.webhook_url из manifest.json). Добавьте действие LPTracker на этап и переместите сделку на него.'));
      var cols = el('div', 'host-dp__columns');
      pipeline.statuses.forEach(function (status) {
        var col = el('div', 'host-dp__status');
        col.setAttribute('data-status-id', String(status.id));
        col.appendChild(el('h3', '', status.name));
        d.dpActions.filter(function (a) { return a.status_id === status.id && a.pipeline_id === pipeline.id; }).forEach(function (a) {
          var box = el('div', 'host-dp__action');
          box.setAttribute('data-testid', 'host-dp-action');
          var s = a.settings || {};
          box.appendChild(el('div', '', 'LPTracker: ' + (s.action || '?') + ' · проект ' + (s.project_id || '?') + (s.stage_id ? ' · этап ' + s.stage_id : '') + (s.comment ? ' · «' + s.comment + '»' : '')));
          var edit = el('button', 'host-btn', 'Изменить');
          edit.onclick = function () { openAction(pipeline, status, a, function () { data().then(draw); }); };
          var del = el('button', 'host-btn', 'Удалить');
          del.onclick = function () { post('/dev/amocrm/dp/actions/' + a.id, undefined, 'DELETE').then(function () { data().then(draw); }); };
          box.appendChild(edit);
          box.appendChild(del);
          col.appendChild(box);
        });
        var add = el('button', 'host-btn', '+ LPTracker');
        add.setAttribute('data-testid', 'host-dp-add');
        add.onclick = function () { openAction(pipeline, status, null, function () { data().then(draw); }); };
        col.appendChild(add);
        d.leads.filter(function (l) { return l.pipeline_id === pipeline.id && l.status_id === status.id; }).forEach(function (l) {
          var row = el('div', 'host-dp__lead');
          row.appendChild(el('span', '', '№' + l.id + ' ' + (l.name || '')));
          var to = el('select');
          to.setAttribute('aria-label', 'Переместить сделку ' + l.id);
          to.setAttribute('data-testid', 'host-dp-move-' + l.id);
          to.appendChild(el('option', '', 'переместить…'));
          // amoCRM lets no one move a lead into the incoming leads status (type 1).
          pipeline.statuses.forEach(function (st) { if (st.id !== status.id && st.type !== 1) { var o = el('option', '', st.name); o.value = String(st.id); to.appendChild(o); } });
          to.onchange = function () {
            post('/dev/amocrm/dp/move', { lead_id: l.id, status_id: Number(to.value), pipeline_id: pipeline.id }).then(function (res) {
              log.textContent = 'Сделка ' + l.id + ' перемещена. Хуки DP: ' + (res.dp_hooks.length ? res.dp_hooks.map(function (h) { return h.delivered ? ('HTTP ' + (h.delivered.status || h.delivered.error)) : 'в очереди'; }).join(', ') : 'нет действий на этом этапе') + '.';
              data().then(draw);
            }, function (err) { log.textContent = 'Ошибка: ' + err.message; });
          };
          row.appendChild(to);
          col.appendChild(row);
        });
        cols.appendChild(col);
      });
      page.appendChild(cols);
      page.appendChild(log);
    }).catch(function (err) { failed(main, err); });
  }

  // The DP action modal: amoCRM renders the manifest's dp.settings as inputs in the action's block
  // and calls dpSettings; «Готово» saves whatever the inputs hold.
  function openAction(pipeline, status, existing, done) {
    var frame = H.openModal();
    var root = frame.root;
    var win = frame.win;
    frame.head.appendChild(el('div', 'host-modal__title', 'Действие «' + H.text(H.manifest().widget.name) + '» на этапе «' + status.name + '»'));
    var form = el('form', 'host-modal__body host-dp__fields');
    var block = el('div', 'digital-pipeline__short-task_widget-style_' + ctx.code);
    var settings = (H.manifest().dp && H.manifest().dp.settings) || {};
    Object.keys(settings).forEach(function (code) {
      var label = el('label', 'digital-pipeline__field', H.text(settings[code].name));
      var input = el('input');
      input.name = code;
      input.type = 'text';
      input.value = existing && existing.settings && existing.settings[code] !== undefined ? existing.settings[code] : '';
      label.appendChild(input);
      form.appendChild(label);
    });
    form.appendChild(block);
    win.appendChild(form);
    var foot = el('div', 'host-modal__foot');
    var save = el('button', 'host-btn host-btn--primary', 'Готово');
    save.type = 'button';
    save.setAttribute('data-testid', 'host-dp-save');
    var cancel = el('button', 'host-btn', 'Отмена');
    cancel.type = 'button';
    var note = el('span', 'host-modal__note', '');
    note.setAttribute('data-testid', 'host-dp-note');
    foot.appendChild(save);
    foot.appendChild(cancel);
    foot.appendChild(note);
    win.appendChild(foot);
    function close() { H.leave(); root.innerHTML = ''; }
    cancel.onclick = close;
    save.onclick = function () {
      var values = {};
      [].forEach.call(form.querySelectorAll('input[name]'), function (i) { values[i.name] = i.value; });
      var missing = Object.keys(settings).filter(function (k) { return settings[k].required && !values[k]; });
      if (missing.length) { note.textContent = 'Заполните: ' + missing.map(function (k) { return H.text(settings[k].name); }).join(', '); return; }
      post('/dev/amocrm/dp/actions', { id: existing ? existing.id : undefined, pipeline_id: pipeline.id, status_id: status.id, widget_code: ctx.code, settings: values }).then(function () {
        document.body.setAttribute('data-dp-saved', '1');
        close();
        done();
      }, function (err) { note.textContent = err.message; });
    };
    H.mount('digital_pipeline');
    H.run('init');
    var result = H.run('dpSettings');
    document.body.setAttribute('data-callback-dp-settings', String(result));
  }

  H.views.push({ name: 'leads-list', nav: 'leads-list', match: function (h) { return /^#\\/leads\\/list/.test(h); }, render: function () { renderList('leads'); } });
  H.views.push({ name: 'contacts-list', nav: 'contacts-list', match: function (h) { return /^#\\/contacts\\/list/.test(h); }, render: function () { renderList('contacts'); } });
  H.views.push({ name: 'pipeline', nav: 'pipeline', match: function (h) { return /^#\\/leads\\/pipeline/.test(h); }, render: renderPipeline });
`,
);
