// Specification of the simulator's incoming leads («Неразобранное»): the bare-array forms endpoint,
// hidden contacts until accepted, accept/decline over the API and by a manager, link refused for
// forms, and the unsorted[add|delete] webhooks (amocrm-platform.md §6).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type RunningServer } from "../shared/node-server";
import { AmoSimControl } from "./control";
import { createAmoCrmSim, type AccountInfo } from "./index";

const CLIENT = { clientId: "5b0e2c4a-7f1d-4c55-9a31-0c6f5e1d2b77", clientSecret: "sim-client-secret", redirectUri: "https://worker.example/amocrm/oauth" };
let server: RunningServer;
let control: AmoSimControl;

beforeAll(async () => {
  const sim = createAmoCrmSim({ ...CLIENT, rateLimitPerSecond: 1000 });
  server = await serve((request) => sim.handle(request));
  control = new AmoSimControl(server.url);
});
afterAll(() => server.close());

type Api = (method: string, path: string, body?: unknown) => Promise<Response>;

async function install(): Promise<{ info: AccountInfo; api: Api }> {
  const info = await control.createAccount();
  const { access_token } = await control.issueTokens(info.id);
  const api: Api = (method, path, body) =>
    fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  await api("POST", "/api/v4/webhooks", { destination: "https://worker.example/h", settings: ["add_unsorted", "delete_unsorted", "status_lead"] });
  return { info, api };
}

function item(info: AccountInfo, phone: string, extra: Record<string, unknown> = {}) {
  return {
    source_uid: "lpt-project-1",
    source_name: "LPTracker",
    pipeline_id: info.pipelines[0]!.id,
    created_at: 1_700_000_000,
    metadata: { form_id: "lpt-1", form_name: "Заявка с сайта", form_page: "https://site.example/landing", ip: "203.0.113.7", form_sent_at: 1_700_000_000, referer: "https://ya.ru/" },
    _embedded: {
      leads: [{ name: "Заявка", price: 1500 }],
      contacts: [{ name: "Иван", custom_fields_values: [{ field_code: "PHONE", values: [{ value: phone, enum_code: "WORK" }] }] }],
    },
    ...extra,
  };
}

describe("amoCRM simulator: incoming leads", () => {
  it("takes a bare array only, checks required fields and the batch size, and answers with uids and embedded ids", async () => {
    const { info, api } = await install();
    const wrapped = await api("POST", "/api/v4/leads/unsorted/forms", { data: [item(info, "+79990000001")] });
    expect(wrapped.status).toBe(400);
    expect(JSON.stringify(await wrapped.json())).toContain("FieldMissing");
    const missing = await api("POST", "/api/v4/leads/unsorted/forms", [{ source_name: "x", metadata: { form_id: "1", form_name: "f", form_page: "p" } }]);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("source_uid");
    expect((await api("POST", "/api/v4/leads/unsorted/forms", Array.from({ length: 51 }, () => item(info, "+79990000002")))).status).toBe(400);
    expect((await control.state(info.id)).leads).toEqual([]);

    const res = await api("POST", "/api/v4/leads/unsorted/forms", [{ ...item(info, "+79990000003"), request_id: "r1" }]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { _embedded: { unsorted: { uid: string; request_id: string; _embedded: { leads: { id: number }[]; contacts: { id: number }[] } }[] } };
    const entry = body._embedded.unsorted[0]!;
    expect(entry.uid).toMatch(/^[a-f0-9]{32}$/);
    expect(entry.request_id).toBe("r1");
    const leadId = entry._embedded.leads[0]!.id;
    const contactId = entry._embedded.contacts[0]!.id;
    // The lead sits in the pipeline's «Неразобранное» status; its contact is not in lists or searches yet.
    const lead = (await (await api("GET", `/api/v4/leads/${leadId}`)).json()) as { status_id: number; price: number };
    expect(lead.status_id).toBe(info.pipelines[0]!.statuses.find((s) => s.type === 1)!.id);
    expect(lead.price).toBe(1500);
    expect((await api("GET", "/api/v4/contacts?query=79990000003")).status).toBe(204);
    const listed = (await (await api("GET", `/api/v4/leads/unsorted?filter[uid]=${entry.uid}`)).json()) as { _embedded: { unsorted: { uid: string; metadata: Record<string, unknown>; source_uid: string }[] } };
    expect(listed._embedded.unsorted).toHaveLength(1);
    expect(listed._embedded.unsorted[0]!.metadata).toMatchObject({ form_name: "Заявка с сайта", ip: "203.0.113.7", referer: "https://ya.ru/" });
    expect((await api("GET", `/api/v4/leads/unsorted/${entry.uid}`)).status).toBe(200);
    const added = await control.takeOutbox({ accountId: info.id });
    expect(new URLSearchParams(added[0]!.body).get("unsorted[add][0][uid]")).toBe(entry.uid);

    // Forms cannot be linked (chats and mail only).
    const link = await api("POST", `/api/v4/leads/unsorted/${entry.uid}/link`, { link: { entity_type: "leads", entity_id: leadId } });
    expect(link.status).toBe(400);

    const accepted = await api("POST", `/api/v4/leads/unsorted/${entry.uid}/accept`, { user_id: info.admin_user_id });
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { _embedded: { leads: { id: number }[] } })._embedded.leads[0]!.id).toBe(leadId);
    expect((await api("GET", "/api/v4/contacts?query=79990000003")).status).toBe(200);
    expect((await api("GET", `/api/v4/leads/unsorted/${entry.uid}`)).status).toBe(204);
    const hooks = (await control.takeOutbox({ accountId: info.id })).map((h) => new URLSearchParams(h.body));
    const del = hooks.find((f) => f.has("unsorted[delete][0][action]"))!;
    expect(del.get("unsorted[delete][0][action]")).toBe("accept");
    expect(del.get("unsorted[delete][0][uid]")).toBe(entry.uid);
    expect(del.get("unsorted[delete][0][accept_result][leads][0]")).toBe(String(leadId));
    expect(del.get("unsorted[delete][0][accept_result][contacts][0]")).toBe(String(contactId));
    expect(del.get("account[id]")).toBe(String(info.id));
    expect(hooks.some((f) => f.get("leads[status][0][id]") === String(leadId))).toBe(true);
  });

  it("lets a manager decline (lead and new contact deleted) or attach the request to an existing lead", async () => {
    const { info, api } = await install();
    const res = await api("POST", "/api/v4/leads/unsorted/forms", [item(info, "+79990000011"), item(info, "+79990000012")]);
    const [a, b] = ((await res.json()) as { _embedded: { unsorted: { uid: string; _embedded: { leads: { id: number }[] } }[] } })._embedded.unsorted;
    await control.takeOutbox({ accountId: info.id });
    const declined = await control.declineUnsorted(info.id, a!.uid);
    expect(declined.state).toBe("declined");
    expect((await api("GET", `/api/v4/leads/${a!._embedded.leads[0]!.id}`)).status).toBe(204);
    const existing = await control.createLead(info.id, { name: "Уже была" });
    const attached = await control.acceptUnsorted(info.id, b!.uid, { lead_id: existing.id });
    expect(attached.result_lead_id).toBe(existing.id);
    const forms = (await control.takeOutbox({ accountId: info.id })).map((h) => new URLSearchParams(h.body)).filter((f) => f.has("unsorted[delete][0][action]"));
    expect(forms.map((f) => f.get("unsorted[delete][0][action]"))).toEqual(["decline", "accept"]);
    expect(forms[0]!.get("unsorted[delete][0][decline_result][leads][0]")).toBe(String(a!._embedded.leads[0]!.id));
    expect(forms[1]!.get("unsorted[delete][0][accept_result][leads][0]")).toBe(String(existing.id));
    expect((await control.unsorted(info.id)).entries.map((e) => e.state)).toEqual(["declined", "accepted"]);
    await expect(control.declineUnsorted(info.id, b!.uid)).rejects.toMatchObject({ status: 404 });
  });
});
