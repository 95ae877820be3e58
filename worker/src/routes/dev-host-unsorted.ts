// Sandbox only: amoCRM's «Неразобранное» page on the local host page (#/leads/unsorted): the
// simulator's incoming leads with «Принять», «Отклонить» and «Привязать к сделке»; the simulator
// then posts amoCRM's unsorted webhook to the Worker, as amoCRM does after a manager's click.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { jsonObjectBody } from "../lib/validate";
import { accountOf, simCall } from "./dev-host-actions";
import { hostPluginScript } from "./dev-host-plugin";

const sim = (c: Context<AppEnv>, method: string, path: string, body?: unknown) => simCall(c, "incoming leads", method, path, body);

function uidOf(c: Context<AppEnv>): string {
  const uid = c.req.param("uid") ?? "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw new Problem("request_invalid", { field: "uid", issue: "is not an incoming lead's uid" });
  return uid;
}

const optionalId = (v: unknown): number | undefined => {
  const n = Number(v);
  return v === undefined || v === null || v === "" || !Number.isSafeInteger(n) || n <= 0 ? undefined : n;
};

export function devHostUnsortedRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/dev/amocrm/unsorted", async (c) => sim(c, "GET", `/accounts/${accountOf(c)}/unsorted`));

  /** «Принять» (optionally into a status, or — «Привязать к сделке» — into an existing lead). */
  r.post("/dev/amocrm/unsorted/:uid/accept", async (c) => {
    const body = await jsonObjectBody(c);
    return sim(c, "POST", `/accounts/${accountOf(c)}/unsorted/${uidOf(c)}/accept`, { status_id: optionalId(body.status_id), lead_id: optionalId(body.lead_id), user_id: optionalId(body.user_id) });
  });

  r.post("/dev/amocrm/unsorted/:uid/decline", async (c) => {
    const body = await jsonObjectBody(c);
    return sim(c, "POST", `/accounts/${accountOf(c)}/unsorted/${uidOf(c)}/decline`, { user_id: optionalId(body.user_id) });
  });

  return r;
}

const CSS = `
.host-unsorted { padding: 16px 20px; }
.host-unsorted__table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #e1e4e8; }
.host-unsorted__table th, .host-unsorted__table td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid #eef0f2; font-size: 13px; }
.host-unsorted__meta { color: #6b7885; font-size: 12px; }
.host-unsorted__actions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.host-unsorted__actions input { width: 90px; }
.host-unsorted__log { margin-top: 10px; font-size: 13px; }
`;

export const HOST_UNSORTED_JS = hostPluginScript(
  CSS,
  [["#/leads/unsorted", "unsorted", "Неразобранное"]],
  `
  function call(method, path, body) {
    return fetch(path + '?account_id=' + ctx.accountId, { method: method, headers: body === undefined ? undefined : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) { throw new Error(b.detail || b.error || ('HTTP ' + r.status)); } return b; });
    });
  }

  var STATES = { pending: 'ждёт решения', accepted: 'принята', declined: 'отклонена' };

  function render() {
    var main = H.openMain('Неразобранное', 'входящие заявки');
    var page = el('div', 'host-unsorted');
    page.setAttribute('data-testid', 'host-unsorted');
    main.appendChild(page);
    var log = el('div', 'host-unsorted__log');
    log.setAttribute('data-testid', 'host-unsorted-log');
    function draw() {
      return call('GET', '/dev/amocrm/unsorted').then(function (d) {
        page.innerHTML = '';
        var entries = d.entries.slice().sort(function (a, b) { return (a.state === 'pending' ? 0 : 1) - (b.state === 'pending' ? 0 : 1) || b.created_at - a.created_at; });
        if (!entries.length) {
          page.appendChild(el('div', 'host-panel', 'Входящих заявок нет. Включите «Неразобранное» для проекта в расширенных настройках виджета и отправьте лид LPTracker.'));
          page.appendChild(log);
          return;
        }
        var table = el('table', 'host-unsorted__table');
        var head = el('tr');
        ['Заявка', 'Источник и форма', 'Контакт', 'Статус', 'Действия'].forEach(function (t) { head.appendChild(el('th', '', t)); });
        table.appendChild(head);
        entries.forEach(function (e) {
          var tr = el('tr');
          tr.setAttribute('data-testid', 'host-unsorted-row');
          tr.setAttribute('data-uid', e.uid);
          var lead = el('td');
          lead.appendChild(el('div', '', e.lead ? ('Сделка №' + e.lead.id + ' — ' + e.lead.name + (e.lead.price ? ', ' + e.lead.price + ' ₽' : '')) : 'Сделка удалена'));
          lead.appendChild(el('div', 'host-unsorted__meta', new Date(e.created_at * 1000).toLocaleString('ru-RU')));
          tr.appendChild(lead);
          var src = el('td');
          src.appendChild(el('div', '', e.source_name));
          var m = e.metadata || {};
          [m.form_name, m.form_page !== m.form_name ? m.form_page : '', m.referer ? 'Откуда: ' + m.referer : '', m.ip ? 'IP: ' + m.ip : ''].filter(Boolean).forEach(function (line) { src.appendChild(el('div', 'host-unsorted__meta', String(line))); });
          tr.appendChild(src);
          tr.appendChild(el('td', '', e.contacts.map(function (c) { return c.name || ('Контакт №' + c.id); }).join(', ') || '—'));
          var st = el('td', '', STATES[e.state] || e.state);
          st.setAttribute('data-testid', 'host-unsorted-state');
          tr.appendChild(st);
          var act = el('td');
          var box = el('div', 'host-unsorted__actions');
          if (e.state === 'pending') {
            var accept = el('button', 'host-btn host-btn--primary', 'Принять');
            accept.setAttribute('data-testid', 'host-unsorted-accept');
            accept.onclick = function () { decide(e, 'accept', {}); };
            var decline = el('button', 'host-btn', 'Отклонить');
            decline.setAttribute('data-testid', 'host-unsorted-decline');
            decline.onclick = function () { decide(e, 'decline', {}); };
            var into = el('input');
            into.placeholder = 'ID сделки';
            into.inputMode = 'numeric';
            into.setAttribute('aria-label', 'ID существующей сделки');
            var attach = el('button', 'host-btn', 'Привязать к сделке');
            attach.onclick = function () { if (Number(into.value) > 0) { decide(e, 'accept', { lead_id: Number(into.value) }); } else { log.textContent = 'Укажите ID сделки, к которой привязать заявку.'; } };
            [accept, decline, into, attach].forEach(function (n) { box.appendChild(n); });
          } else if (e.state === 'accepted' && e.result_lead_id) {
            var open = el('a', '', 'Открыть сделку №' + e.result_lead_id);
            open.href = '#/leads/detail/' + e.result_lead_id;
            open.setAttribute('data-testid', 'host-unsorted-open');
            box.appendChild(open);
          }
          act.appendChild(box);
          tr.appendChild(act);
          table.appendChild(tr);
        });
        page.appendChild(table);
        page.appendChild(log);
      }).catch(function (err) { page.innerHTML = ''; page.appendChild(el('div', 'host-panel', 'Не удалось загрузить неразобранное: ' + err.message)); });
    }
    function decide(e, action, body) {
      call('POST', '/dev/amocrm/unsorted/' + encodeURIComponent(e.uid) + '/' + action, body).then(function (res) {
        log.textContent = action === 'decline'
          ? 'Заявка отклонена: amoCRM удалил её сделку и отправил вебхук интеграции.'
          : 'Заявка принята в сделку №' + res.result_lead_id + '; amoCRM отправил вебхук интеграции.';
        return draw();
      }, function (err) { log.textContent = 'Ошибка: ' + err.message; });
    }
    draw();
  }

  H.views.push({ name: 'unsorted', nav: 'unsorted', match: function (h) { return /^#\\/leads\\/unsorted/.test(h); }, render: render });
`,
);
