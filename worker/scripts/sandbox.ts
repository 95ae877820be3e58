// `npm start`: the local sandbox. Ctrl-C stops everything it started.
import { startSandbox } from "./sandbox-lib";

const sandbox = await startSandbox({ fresh: process.argv.includes("--fresh") });
const { workerUrl, hostUrl, lptUrl, demo } = sandbox;

// A few amoCRM leads with contacts, so that the lists and the Digital Pipeline have something to act on.
async function seedAmoLeads(): Promise<void> {
  const base = `${sandbox.amoUrl}/__sim/accounts/${demo.accountId}`;
  const state = (await (await fetch(`${base}/state`)).json()) as { leads: unknown[] };
  if (state.leads.length) return;
  const people = [
    ["Анна Смирнова", "+79161234501", "Сделка: кухня на заказ"],
    ["Олег Кузнецов", "+79161234502", "Сделка: шкаф-купе"],
    ["Мария Иванова", "+79161234503", "Сделка: прихожая"],
  ];
  for (const [name, phone, lead] of people) {
    const post = (path: string, body: unknown) => fetch(`${base}/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ id: number }>);
    const contact = await post("contacts", { name, custom_fields_values: [{ field_code: "PHONE", values: [{ value: phone, enum_code: "WORK" }] }] });
    await post("leads", { name: lead, _embedded: { contacts: [{ id: contact.id }] } });
  }
}
await seedAmoLeads().catch((err: unknown) => console.warn(`Could not add the demo amoCRM leads: ${(err as Error).message}`));
const lines = [
  "",
  "Sandbox is running (amoCRM and LPTracker are local simulators):",
  `  Health:            ${workerUrl}/healthz`,
  `  Widget settings:   ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/settings/widgets`,
  `  Mapping editor:    ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/settings/widgets/advanced   («Открыть страницу администратора» opens the admin page)`,
  `  A lead's card:     ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/leads/detail/<amoCRM lead id>`,
  `  A fresh install:   create an account (POST ${sandbox.amoUrl}/__sim/accounts {"subdomain":"acme"}), then open`,
  `                     ${hostUrl}/dev/amocrm?account_id=<its id>&subdomain=acme&installed=0#/settings/widgets`,
  `  Leads list:        ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/leads/list      (check rows → «Ещё» → LPTracker: «Синхронизировать с LPTracker»)`,
  `  Contacts list:     ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/contacts/list`,
  `  Digital Pipeline:  ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/leads/pipeline   («+ LPTracker» on a stage, then move a lead there)`,
  `  Incoming leads:    ${hostUrl}/dev/amocrm?account_id=${demo.accountId}#/leads/unsorted   (turn on «Неразобранное» in the mapping editor, send a lead, then «Принять» / «Отклонить»)`,
  `  amoCRM simulator:  ${sandbox.amoUrl}/__sim/accounts/${demo.accountId}/state`,
  `  LPTracker sim:     ${lptUrl}/__sim/users/${encodeURIComponent(demo.lptLogin)}/state`,
  "",
  "Send a demo LPTracker lead (it reaches the Worker as a webhook and becomes an amoCRM contact + lead):",
  `  curl -s -X POST ${lptUrl}/__sim/projects/${demo.projectId}/leads -H 'content-type: application/json' -d '{"name":"Заявка с сайта","contactName":"Иван Петров","phone":"+7 999 123-45-67","source":"yandex","calls":1}'`,
  "",
  "Press Ctrl-C to stop.",
];
console.log(lines.join("\n"));

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping…");
  await sandbox.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
