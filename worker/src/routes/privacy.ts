// The privacy page the widget's consent text links to (GET /privacy, /privacy?lang=en, /en/privacy):
// who processes which data, where, for how long, and how to have it deleted, in Russian and English.
// Public, no sign-in; the operator and contact come from PRIVACY_OPERATOR / PRIVACY_CONTACT.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../lib/hono-env";

export type PrivacyLang = "ru" | "en";

interface Facts {
  operator: string | null;
  contact: string | null;
  graceDays: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function contactHtml(contact: string): string {
  const href = /^[^@\s]+@[^@\s]+$/.test(contact) ? `mailto:${contact}` : /^https:\/\//.test(contact) ? contact : null;
  return href ? `<a href="${esc(href)}">${esc(contact)}</a>` : esc(contact);
}

function textRu(f: Facts): string {
  const who = f.operator
    ? `Оператор — ${esc(f.operator)}, разработчик интеграции «LPTracker ⇄ amoCRM».`
    : "Оператор — разработчик интеграции «LPTracker ⇄ amoCRM», указанный в её карточке в маркетплейсе amoCRM.";
  const contact = f.contact ? `пишите на ${contactHtml(f.contact)}` : "пишите в поддержку по контактам из карточки интеграции в маркетплейсе amoCRM";
  return `
<h1>Как интеграция «LPTracker ⇄ amoCRM» обрабатывает данные</h1>
<p class="lead">${who} Данные обрабатываются только для синхронизации amoCRM и LPTracker по поручению аккаунта, который установил интеграцию, и только после согласия администратора в настройках виджета.</p>
<h2>Какие данные</h2>
<ul>
  <li><b>Аккаунт amoCRM:</b> номер и адрес аккаунта, токены доступа OAuth (в зашифрованном виде), пользователи аккаунта — имя, e-mail, права и группа (чтобы показывать данные в карточке только тем, кому amoCRM разрешает их видеть).</li>
  <li><b>LPTracker:</b> логин и пароль (пароль — в зашифрованном виде), список проектов.</li>
  <li><b>Сделки и контакты</b>, которые передаются между системами: имена, телефоны, e-mail, источник и UTM-метки, этапы, поля из настроенного сопоставления.</li>
  <li><b>Звонки:</b> время, направление, длительность, результат, оператор и ссылка на запись (сами записи мы не храним).</li>
  <li><b>Загруженные таблицы</b> (XLSX, XLS, CSV) и строки из них, журнал событий синхронизации и действий администраторов.</li>
</ul>
<h2>Где</h2>
<p>На платформе Cloudflare: сервер интеграции (Cloudflare Workers), база данных Cloudflare D1, хранилище файлов Cloudflare R2, очереди и Durable Objects. Данные передаются только по HTTPS; пароли и токены хранятся зашифрованными (AES-GCM). Третьим лицам данные не передаются, кроме самих amoCRM и LPTracker.</p>
<h2>Как долго</h2>
<ul>
  <li>Пока интеграция установлена в аккаунте amoCRM.</li>
  <li>После отключения или удаления интеграции обработка сразу прекращается, токены удаляются, а все данные аккаунта стираются через ${f.graceDays} дн. (если за это время установить интеграцию снова, работа продолжится с сохранёнными настройками).</li>
  <li>Загруженные таблицы удаляются вместе с данными аккаунта.</li>
</ul>
<h2>Как удалить данные</h2>
<ol>
  <li>Администратор аккаунта отключает интеграцию в amoCRM: «Настройки → Интеграции → LPTracker → Отключить». Все данные аккаунта будут удалены через ${f.graceDays} дн.</li>
  <li>Чтобы удалить данные сразу или получить их копию, ${contact}, указав адрес аккаунта amoCRM. Мы ответим в течение 10 рабочих дней.</li>
</ol>`;
}

function textEn(f: Facts): string {
  const who = f.operator
    ? `The operator is ${esc(f.operator)}, the publisher of the “LPTracker ⇄ amoCRM” integration.`
    : "The operator is the publisher of the “LPTracker ⇄ amoCRM” integration named in its amoCRM marketplace listing.";
  const contact = f.contact ? `write to ${contactHtml(f.contact)}` : "write to the support contacts in the integration's amoCRM marketplace listing";
  return `
<h1>How the “LPTracker ⇄ amoCRM” integration processes data</h1>
<p class="lead">${who} Data is processed only to synchronise amoCRM and LPTracker on behalf of the account that installed the integration, and only after an administrator gave consent in the widget settings.</p>
<h2>Which data</h2>
<ul>
  <li><b>The amoCRM account:</b> its id and address, OAuth access tokens (encrypted), the account's users — name, e-mail, rights and group (so that the card shows data only to those amoCRM lets see it).</li>
  <li><b>LPTracker:</b> login and password (the password encrypted), the list of projects.</li>
  <li><b>Leads and contacts</b> passed between the systems: names, phone numbers, e-mails, source and UTM tags, stages, fields from the configured mapping.</li>
  <li><b>Calls:</b> time, direction, duration, result, operator and a link to the recording (we do not store recordings).</li>
  <li><b>Uploaded spreadsheets</b> (XLSX, XLS, CSV) and their rows, the log of sync events and of administrators' actions.</li>
</ul>
<h2>Where</h2>
<p>On Cloudflare's platform: the integration's server (Cloudflare Workers), the Cloudflare D1 database, Cloudflare R2 file storage, queues and Durable Objects. Data travels over HTTPS only; passwords and tokens are stored encrypted (AES-GCM). No data goes to third parties other than amoCRM and LPTracker themselves.</p>
<h2>For how long</h2>
<ul>
  <li>As long as the integration is installed in the amoCRM account.</li>
  <li>When the integration is disabled or removed, processing stops at once, the tokens are deleted, and all of the account's data is erased after ${f.graceDays} days (reinstalling within that time resumes with the saved settings).</li>
  <li>Uploaded spreadsheets are deleted together with the account's data.</li>
</ul>
<h2>How to have it deleted</h2>
<ol>
  <li>An account administrator disables the integration in amoCRM: “Settings → Integrations → LPTracker → Disable”. All of the account's data is deleted after ${f.graceDays} days.</li>
  <li>To have it deleted at once or to get a copy, ${contact} naming the amoCRM account's address. We answer within 10 business days.</li>
</ol>`;
}

export function privacyPage(lang: PrivacyLang, facts: Facts): string {
  const other = lang === "ru" ? { href: "/privacy?lang=en", label: "English" } : { href: "/privacy", label: "Русский" };
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${lang === "ru" ? "Обработка данных — LPTracker ⇄ amoCRM" : "Data processing — LPTracker ⇄ amoCRM"}</title>
<link rel="icon" href="data:,">
<style>
:root { color-scheme: light dark; }
body { margin: 0; font: 16px/1.55 -apple-system, "Segoe UI", Roboto, Arial, sans-serif; background: #f4f6f8; color: #1f2933; }
main { max-width: 760px; margin: 0 auto; padding: 32px 20px 48px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 16px; }
h2 { font-size: 19px; margin: 28px 0 8px; }
.lead { font-size: 17px; }
nav { text-align: right; font-size: 14px; }
a { color: #1f5fbf; }
@media (prefers-color-scheme: dark) { body { background: #141b23; color: #e1e7ed; } a { color: #86b4ff; } }
</style>
</head>
<body>
<main>
<nav><a href="${other.href}" hreflang="${lang === "ru" ? "en" : "ru"}">${other.label}</a></nav>
${lang === "ru" ? textRu(facts) : textEn(facts)}
</main>
</body>
</html>`;
}

export function privacyRoutes() {
  const r = new Hono<AppEnv>();
  const answer = (c: Context<AppEnv>, lang: PrivacyLang) => {
    const cfg = c.var.cfg;
    c.header("cache-control", "public, max-age=3600");
    return c.html(
      privacyPage(lang, {
        operator: c.env.PRIVACY_OPERATOR?.trim() || null,
        contact: c.env.PRIVACY_CONTACT?.trim() || null,
        graceDays: cfg.uninstallGraceDays,
      }),
    );
  };
  r.get("/privacy", (c) => answer(c, c.req.query("lang") === "en" ? "en" : "ru"));
  r.get("/en/privacy", (c) => answer(c, "en"));
  return r;
}
