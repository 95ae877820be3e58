// Specification of the LPTracker simulator, exercised over HTTP (serve() on port 0, shared by all
// tests, each with its own user) and through direct handle() calls on sims with special options.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, serve } from "../shared/node-server";
import { LptSimControl } from "./control";
import { createLpTrackerSim, type LpTrackerSim, type LpTrackerSimOptions } from "./index";
import { call, fakeClock, login, SERVICE, send, session, type Target, webhookJson } from "./test-helpers";

let sim: LpTrackerSim;
let server: RunningServer;
let http: Target;
let control: LptSimControl;

beforeAll(async () => {
  sim = createLpTrackerSim();
  server = await serve(sim.handle);
  http = { url: server.url };
  control = new LptSimControl(server.url);
});

afterAll(() => server.close());

const httpSession = (options = {}, body = {}) => session(http, (b) => control.createUser(b), options, body);

function directSim(options: LpTrackerSimOptions = {}) {
  const clock = fakeClock();
  const s = createLpTrackerSim({ now: clock.now, ...options });
  return { sim: s, clock, session: (o = {}, b = {}) => session(s, (x) => s.createUser(x), o, b) };
}

const HOOK = "https://worker.test/webhooks/lptracker/s3cret";

describe("LPTracker simulator: auth", () => {
  it("logs in with login, password, service and version 1.0 and returns a token", async () => {
    const user = await control.createUser();
    const reply = await call(http, "POST", "/login", { body: { login: user.login, password: user.password, service: SERVICE, version: "1.0" } });
    expect(reply.http).toBe(200);
    expect(reply.body).toEqual({ status: "success", result: { token: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect((await control.state(user.login)).loginCount).toBe(1);
  });

  it("answers HTTP 200 with error code 401 for a bad password", async () => {
    const user = await control.createUser();
    const reply = await call(http, "POST", "/login", { body: { login: user.login, password: "nope", service: SERVICE, version: "1.0" } });
    expect(reply).toEqual({ http: 200, body: { status: "error", errors: [{ code: 401, message: "Invalid login or password" }] } });
    expect((await control.state(user.login)).failedLoginCount).toBe(1);
  });

  it("requires all four login fields and version 1.0 (code 400)", async () => {
    const user = await control.createUser();
    const noService = await call(http, "POST", "/login", { body: { login: user.login, password: user.password, version: "1.0" } });
    expect(noService.body.errors[0].code).toBe(400);
    const badVersion = await call(http, "POST", "/login", { body: { login: user.login, password: user.password, service: "x", version: "2.0" } });
    expect(badVersion.body.errors[0].code).toBe(400);
  });

  it("answers HTTP 200 with error code 401 when the token header is missing or bad", async () => {
    const missing = await call(http, "GET", "/projects");
    expect(missing.http).toBe(200);
    expect(missing.body.errors[0].code).toBe(401);
    const bad = await call(http, "GET", "/projects", { token: "not-a-token" });
    expect(bad).toEqual({ http: 200, body: { status: "error", errors: [{ code: 401, message: "Invalid token" }] } });
  });

  it("does not accept the token as an Authorization: Bearer header", async () => {
    const s = await httpSession();
    const reply = await call(http, "GET", "/projects", { headers: { authorization: `Bearer ${s.token}` } });
    expect(reply.body.errors[0].code).toBe(401);
  });

  it("revokes the token on logout", async () => {
    const s = await httpSession();
    expect(await s.ok("GET", "/projects")).toHaveLength(1);
    expect(await s.ok("POST", "/logout")).toBeNull();
    expect((await s.call("GET", "/projects")).body.errors[0].code).toBe(401);
  });

  it("expires a token left idle longer than tokenIdleTtlSec, while use keeps it alive", async () => {
    const d = directSim({ tokenIdleTtlSec: 60 });
    const s = await d.session();
    d.clock.advance(59_000);
    await s.ok("GET", "/staff");
    d.clock.advance(59_000);
    await s.ok("GET", "/staff");
    d.clock.advance(61_000);
    expect((await s.call("GET", "/staff")).body.errors[0]).toEqual({ code: 401, message: "Token expired" });
  });

  it("lets the control API revoke tokens, age them past the idle limit and change the password", async () => {
    const s = await httpSession();
    expect(await control.revokeTokens(s.user.login)).toEqual({ revoked: 1 });
    expect((await s.call("GET", "/projects")).body.errors[0].code).toBe(401);

    const token = await login(http, s.user);
    await control.ageTokens(s.user.login, 86_401);
    expect((await call(http, "GET", "/projects", { token })).body.errors[0].code).toBe(401);

    await control.setPassword(s.user.login, "new-secret");
    const old = await call(http, "POST", "/login", { body: { login: s.user.login, password: s.user.password, service: SERVICE, version: "1.0" } });
    expect(old.body.errors[0].code).toBe(401);
    await login(http, { login: s.user.login, password: "new-secret" });
  });
});

describe("LPTracker simulator: envelope and routing", () => {
  it("answers an unknown route with HTTP 200 and error code 404", async () => {
    const s = await httpSession();
    for (const path of ["/no/such/route", "/lead/abc", `/project/${s.projectId}/`]) {
      const reply = await s.call("GET", path);
      expect(reply.http).toBe(200);
      expect(reply.body).toEqual({ status: "error", errors: [{ code: 404, message: "Route not found" }] });
    }
    expect((await s.call("DELETE", "/projects")).body.errors[0].code).toBe(404);
  });

  it("wraps results as {status:'success', result}", async () => {
    const s = await httpSession();
    const reply = await s.call("GET", "/staff");
    expect(reply.body.status).toBe("success");
    expect(reply.body.result).toHaveLength(3);
  });

  it("counts requests per method and route pattern", async () => {
    const s = await httpSession();
    await s.ok("GET", `/project/${s.projectId}/funnel`);
    await s.ok("GET", `/project/${s.projectId}/funnel`);
    await s.call("GET", "/nowhere");
    const state = await control.state(s.user.login);
    expect(state.requests).toMatchObject({ "POST /login": 1, "GET /project/:id/funnel": 2, "GET (unknown route)": 1 });
  });
});

describe("LPTracker simulator: rate limit", () => {
  it("answers 503 as an HTTP status with the error envelope above 3 calls per second, and records the peak", async () => {
    const d = directSim();
    const s = await d.session({ rateLimitPerSecond: 3 });
    d.clock.advance(1000);
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await s.call("GET", "/projects"));
    expect(replies.map((r) => r.http)).toEqual([200, 200, 200, 503, 503]);
    expect(replies[3]!.body).toEqual({ status: "error", errors: [{ code: 503, message: "Too many requests" }] });
    const state = d.sim.state(s.user.login);
    expect(state.ratePeak).toBe(5);
    expect(state.rateLimited).toBe(2);
    expect(state.served503).toBe(2);
    d.clock.advance(1000);
    expect((await s.call("GET", "/projects")).http).toBe(200);
  });

  it("can answer the 503 as HTTP 200 with errors[0].code 503 (rateLimitStatus json503)", async () => {
    const d = directSim({ rateLimitStatus: "json503" });
    const s = await d.session({ rateLimitPerSecond: 3 });
    d.clock.advance(1000);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await s.call("GET", "/staff"));
    expect(replies[3]).toEqual({ http: 200, body: { status: "error", errors: [{ code: 503, message: "Too many requests" }] } });
  });

  it("limits each user separately over HTTP with the default of 3 per second", async () => {
    const user = await control.createUser();
    const token = await login(http, user);
    const replies = await Promise.all(Array.from({ length: 6 }, () => call(http, "GET", "/projects", { token })));
    expect(replies.filter((r) => r.http === 503).length).toBeGreaterThanOrEqual(1);
    const state = await control.state(user.login);
    expect(state.ratePeak).toBeGreaterThanOrEqual(4);
    expect(state.rateLimited).toBeGreaterThanOrEqual(1);
    const other = await httpSession({ rateLimitPerSecond: 3 });
    expect(await other.ok("GET", "/projects")).toHaveLength(1);
  });
});

describe("LPTracker simulator: projects, funnel, fields, staff", () => {
  it("lists the user's projects with id, name, page and domain", async () => {
    const s = await httpSession({}, { projects: 2 });
    const projects = await s.ok("GET", "/projects");
    expect(projects).toHaveLength(2);
    expect(Object.keys(projects[0]).sort()).toEqual(["domain", "id", "name", "page"]);
    expect(await s.ok("GET", `/project/${projects[1].id}`)).toEqual(projects[1]);
  });

  it("has a flat funnel of six Russian-named stages", async () => {
    const s = await httpSession();
    const funnel = await s.ok("GET", `/project/${s.projectId}/funnel`);
    expect(funnel.map((x: any) => x.name)).toEqual(["Новый", "В работе", "Квалифицирован", "Встреча", "Сделка", "Отказ"]);
    expect(Object.keys(funnel[0]).sort()).toEqual(["id", "in_deals", "in_leads", "name", "notify"]);
  });

  it("lists lead customs with a cats field whose options carry both name and category, a date and a text field", async () => {
    const s = await httpSession();
    const customs = await s.ok("GET", `/project/${s.projectId}/customs`);
    const cats = customs.find((c: any) => c.type === "cats");
    expect(cats.categories[0]).toMatchObject({ name: "Сайт", category: "Сайт" });
    expect(customs.map((c: any) => c.type)).toEqual(expect.arrayContaining(["cats", "date", "text"]));
  });

  it("lists contact fields typed string, text, date and number, and the staff", async () => {
    const s = await httpSession();
    const fields = await s.ok("GET", `/project/${s.projectId}/fields`);
    expect(fields.map((f: any) => f.type)).toEqual(["string", "text", "date", "number"]);
    const staff = await s.ok("GET", "/staff");
    expect(Object.keys(staff[0]).sort()).toEqual(["created_at", "id", "job", "last_login_at", "name", "type"]);
  });
});

describe("LPTracker simulator: webhook registration", () => {
  it("adds a callback url on PUT and does not duplicate a repeated one", async () => {
    const s = await httpSession();
    const path = `/project/${s.projectId}/callback-url`;
    await s.ok("PUT", path, { url: HOOK, name: "amo" });
    await s.ok("PUT", path, { url: HOOK });
    await s.ok("PUT", path, { url: "https://customer.example/hook" });
    const list = await s.ok("GET", path);
    expect(list.map((h: any) => h.url)).toEqual([HOOK, "https://customer.example/hook"]);
    expect(Object.keys(list[0])).toEqual(expect.arrayContaining(["id", "name", "url", "created_at", "updated_at", "type"]));
    expect(list[0].name).toBe("amo");
  });

  it("disables every callback when the url is empty", async () => {
    const s = await httpSession();
    const path = `/project/${s.projectId}/callback-url`;
    await s.ok("PUT", path, { url: HOOK });
    expect(await s.ok("PUT", path, { url: "" })).toEqual([]);
    expect(await s.ok("GET", path)).toEqual([]);
  });

  it("can replace instead of add (callbackUrlPut replace)", async () => {
    const s = await httpSession({ callbackUrlPut: "replace" });
    const path = `/project/${s.projectId}/callback-url`;
    await s.ok("PUT", path, { url: "https://customer.example/hook" });
    await s.ok("PUT", path, { url: HOOK });
    expect((await s.ok("GET", path)).map((h: any) => h.url)).toEqual([HOOK]);
  });

  it("stores project-callback-url separately", async () => {
    const s = await httpSession();
    await s.ok("PUT", `/project/${s.projectId}/project-callback-url`, { url: HOOK });
    expect((await s.ok("GET", `/project/${s.projectId}/project-callback-url`))[0]).toMatchObject({ url: HOOK, type: "project" });
    expect(await s.ok("GET", `/project/${s.projectId}/callback-url`)).toEqual([]);
  });
});

describe("LPTracker simulator: contacts", () => {
  async function withContact() {
    const s = await httpSession();
    const fields = await s.ok("GET", `/project/${s.projectId}/fields`);
    const contact = await s.ok("POST", "/contact", {
      project_id: s.projectId,
      name: "Анна Петрова",
      profession: "Директор",
      site: "example.ru",
      details: [
        { type: "phone", data: "+7 (999) 123-45-67" },
        { type: "email", data: "Anna.Petrova@Example.RU" },
      ],
      fields: { [fields[0].id]: "Москва" },
    });
    return { s, contact, fields };
  }

  it("creates a contact and shows details with ids and fields as {id,name,type,value}", async () => {
    const { s, contact, fields } = await withContact();
    expect(contact.details).toEqual([
      { id: expect.any(Number), type: "phone", data: "+7 (999) 123-45-67" },
      { id: expect.any(Number), type: "email", data: "Anna.Petrova@Example.RU" },
    ]);
    const read = await s.ok("GET", `/contact/${contact.id}`);
    expect(read.project_id).toBe(s.projectId);
    expect(read.fields[0]).toEqual({ id: fields[0].id, name: "Город", type: "string", value: "Москва" });
  });

  it("refuses a contact without a phone or email detail (code 400)", async () => {
    const s = await httpSession();
    const reply = await s.call("POST", "/contact", { project_id: s.projectId, name: "X", details: [{ type: "vk", data: "id1" }] });
    expect(reply.http).toBe(200);
    expect(reply.body.errors[0].code).toBe(400);
  });

  it("finds a contact by a phone written in different forms", async () => {
    const { s, contact } = await withContact();
    for (const phone of ["89991234567", "9991234567", "+79991234567", "7 999 123 45 67"]) {
      const found = await s.ok("GET", `/contact/search?project_id=${s.projectId}&phone=${encodeURIComponent(phone)}`);
      expect(found.map((c: any) => c.id)).toEqual([contact.id]);
    }
    expect(await s.ok("GET", `/contact/search?project_id=${s.projectId}&phone=89991234568`)).toEqual([]);
  });

  it("finds a contact by email case-insensitively", async () => {
    const { s, contact } = await withContact();
    const found = await s.ok("GET", `/contact/search?project_id=${s.projectId}&email=anna.petrova%40example.ru`);
    expect(found.map((c: any) => c.id)).toEqual([contact.id]);
  });

  it("refuses a search without phone or email (code 400)", async () => {
    const s = await httpSession();
    expect((await s.call("GET", `/contact/search?project_id=${s.projectId}`)).body.errors[0].code).toBe(400);
  });

  it("updates a contact and lists its leads", async () => {
    const { s, contact } = await withContact();
    const updated = await s.ok("PUT", `/contact/${contact.id}`, { name: "Анна П." });
    expect(updated.name).toBe("Анна П.");
    expect(updated.details).toEqual(contact.details);
    const lead = await s.ok("POST", "/lead", { contact_id: contact.id, name: "Заявка", callback: false });
    expect((await s.ok("GET", `/contact/${contact.id}/leads`)).map((l: any) => l.id)).toEqual([lead.id]);
  });
});

describe("LPTracker simulator: leads", () => {
  async function contactFor(s: Awaited<ReturnType<typeof httpSession>>) {
    return s.ok("POST", "/contact", { project_id: s.projectId, name: "Иван", details: [{ type: "phone", data: "+79990000001" }] });
  }

  it("does not dial when the lead is created with callback:false", async () => {
    const s = await httpSession();
    const contact = await contactFor(s);
    const lead = await s.ok("POST", "/lead", { contact_id: contact.id, name: "Без звонка", callback: false });
    const state = await control.state(s.user.login);
    expect(state.leads.find((l) => l.id === lead.id)).toMatchObject({ dialed: false, dials: 0 });
    expect(state.dials).toEqual([]);
  });

  it("records a dial when callback is missing or true, and on POST /lead/{id}/call", async () => {
    const s = await httpSession();
    const contact = await contactFor(s);
    const missing = await s.ok("POST", "/lead", { contact_id: contact.id, name: "Без флага" });
    const yes = await s.ok("POST", "/lead", { contact_id: contact.id, name: "Со звонком", callback: true });
    const quiet = await s.ok("POST", "/lead", { contact_id: contact.id, name: "Тихо", callback: false });
    await s.ok("POST", `/lead/${quiet.id}/call`);
    const state = await control.state(s.user.login);
    expect(state.dials.map((d) => [d.leadId, d.via])).toEqual([
      [missing.id, "lead.callback"],
      [yes.id, "lead.callback"],
      [quiet.id, "lead.call"],
    ]);
    expect(state.leads.every((l) => l.dialed)).toBe(true);
  });

  it("drops a top-level source but keeps view.source, campaign and keyword", async () => {
    const s = await httpSession();
    const contact = await contactFor(s);
    const created = await s.ok("POST", "/lead", {
      contact_id: contact.id,
      name: "UTM",
      source: "top-level",
      view: { source: "amoCRM", campaign: "spring", keyword: "crm" },
      callback: false,
    });
    const lead = await s.ok("GET", `/lead/${created.id}`);
    expect(lead).not.toHaveProperty("source");
    expect(lead.view).toMatchObject({ source: "amoCRM", campaign: "spring", keyword: "crm" });
  });

  it("creates a lead with an inline contact, stage, owner, custom values, payments and lead_date", async () => {
    const s = await httpSession();
    const [funnel, customs, staff] = await Promise.all([
      s.ok("GET", `/project/${s.projectId}/funnel`),
      s.ok("GET", `/project/${s.projectId}/customs`),
      s.ok("GET", "/staff"),
    ]);
    const cats = customs.find((c: any) => c.type === "cats" && !c.is_multi_select);
    const text = customs.find((c: any) => c.type === "text");
    const lead = await s.ok("POST", "/lead", {
      contact: { project_id: s.projectId, name: "Пётр", details: [{ type: "email", data: "p@example.ru" }] },
      name: "Сделка из amo",
      funnel: funnel[1].id,
      owner: staff[1].id,
      custom: { [cats.id]: "Звонок", [text.id]: "amo-42" },
      payments: [{ category: "Услуги", purpose: "Предоплата", sum: 1000 }],
      lead_date: "31.12.2024 15:30",
      callback: false,
    });
    expect(lead).toMatchObject({ name: "Сделка из amo", stage_id: funnel[1].id, owner_id: staff[1].id, lead_date: "31.12.2024 15:30" });
    expect(lead.contact).toMatchObject({ project_id: s.projectId, name: "Пётр" });
    expect(lead.custom.find((c: any) => c.id === cats.id)).toEqual({ id: cats.id, name: cats.name, type: "cats", value: "Звонок" });
    expect(lead.payments[0]).toMatchObject({ sum: 1000, category_name: "Услуги", purpose_name: "Предоплата" });
    expect(typeof lead.created_at).toBe("number");
  });

  it("accepts stage_id instead of funnel and refuses unknown stages or cats options (code 400)", async () => {
    const s = await httpSession();
    const contact = await contactFor(s);
    const funnel = await s.ok("GET", `/project/${s.projectId}/funnel`);
    const customs = await s.ok("GET", `/project/${s.projectId}/customs`);
    const lead = await s.ok("POST", "/lead", { contact_id: contact.id, stage_id: funnel[2].id, callback: false });
    expect(lead.stage_id).toBe(funnel[2].id);
    expect((await s.call("POST", "/lead", { contact_id: contact.id, funnel: 1, callback: false })).body.errors[0].code).toBe(400);
    const cats = customs.find((c: any) => c.type === "cats");
    const bad = await s.call("PUT", `/lead/${lead.id}/custom/${cats.id}`, { value: "Нет такого" });
    expect(bad.body.errors[0].code).toBe(400);
  });

  it("changes stage, owner and one custom field through their own routes", async () => {
    const s = await httpSession();
    const contact = await contactFor(s);
    const [funnel, customs, staff] = await Promise.all([
      s.ok("GET", `/project/${s.projectId}/funnel`),
      s.ok("GET", `/project/${s.projectId}/customs`),
      s.ok("GET", "/staff"),
    ]);
    const lead = await s.ok("POST", "/lead", { contact_id: contact.id, callback: false });
    await s.ok("PUT", `/lead/${lead.id}/funnel`, { funnel: funnel[4].id });
    await s.ok("PUT", `/lead/${lead.id}/owner`, { owner: staff[2].id });
    const multi = customs.find((c: any) => c.is_multi_select);
    await s.ok("PUT", `/lead/${lead.id}/custom/${multi.id}`, { value: ["Продукт A", "Консультация"] });
    await s.ok("PUT", `/lead/${lead.id}`, { name: "Переименован" });
    const read = await s.ok("GET", `/lead/${lead.id}`);
    expect(read).toMatchObject({ stage_id: funnel[4].id, owner_id: staff[2].id, name: "Переименован" });
    expect(read.custom.find((c: any) => c.id === multi.id).value).toEqual(["Продукт A", "Консультация"]);
  });

  it("deletes a lead, after which it is not found (code 404)", async () => {
    const s = await httpSession();
    const contact = await contactFor(s);
    const lead = await s.ok("POST", "/lead", { contact_id: contact.id, callback: false });
    expect(await s.ok("DELETE", `/lead/${lead.id}`)).toBeNull();
    expect((await s.call("GET", `/lead/${lead.id}`)).body.errors[0].code).toBe(404);
  });

  it("shows calls in calls_records and GET /lead/{id}/calls", async () => {
    const s = await httpSession();
    const lead = await control.createLead(s.projectId, { phone: "+79990000002", calls: 2 });
    const calls = await s.ok("GET", `/lead/${lead.id}/calls`);
    expect(calls).toHaveLength(2);
    expect(Object.keys(calls[0])).toEqual(
      expect.arrayContaining(["linkedid", "time", "duration", "type", "disposition", "record", "owner_id"]),
    );
    expect(calls.map((c: any) => c.type)).toEqual(["incomming", "outgoing"]);
    const read = await s.ok("GET", `/lead/${lead.id}`);
    expect(read.calls_records[0]).toEqual(lead.calls[0]);
  });
});

describe("LPTracker simulator: stage shapes", () => {
  async function leadIn(options: object) {
    const s = await httpSession(options);
    const lead = await control.createLead(s.projectId, { phone: "+79990000003", webhook: false });
    return { s, lead };
  }

  it("shows the stage as funnel: <id> with stageShape id", async () => {
    const { s, lead } = await leadIn({ stageShape: "id" });
    const read = await s.ok("GET", `/lead/${lead.id}`);
    expect(read.funnel).toBe(lead.stageId);
    expect(read.stage_id).toBe(lead.stageId);
  });

  it("shows the stage as funnel: {id, name} with stageShape object", async () => {
    const { s, lead } = await leadIn({ stageShape: "object" });
    const read = await s.ok("GET", `/lead/${lead.id}`);
    expect(read.funnel).toEqual({ id: lead.stageId, name: "Новый" });
    expect(read.stage_id).toBe(lead.stageId);
  });

  it("alternates between the two with stageShape mixed (the default)", async () => {
    const { s, lead } = await leadIn({});
    const a = await s.ok("GET", `/lead/${lead.id}`);
    const b = await s.ok("GET", `/lead/${lead.id}`);
    expect([typeof a.funnel, typeof b.funnel]).toEqual(["number", "object"]);
  });
});

describe("LPTracker simulator: lead list", () => {
  async function fiveLeads() {
    const d = directSim();
    const s = await d.session();
    const t0 = Math.floor(d.clock.now() / 1000);
    const ids: number[] = [];
    const contact = await s.ok("POST", "/contact", { project_id: s.projectId, details: [{ type: "phone", data: "+79990000004" }] });
    for (let i = 0; i < 5; i++) {
      ids.push((await s.ok("POST", "/lead", { contact_id: contact.id, name: `L${i}`, callback: false })).id);
      d.clock.advance(10_000);
    }
    d.clock.advance(100_000);
    await s.ok("PUT", `/lead/${ids[1]}`, { name: "L1 changed" });
    return { d, s, ids, t0 };
  }

  const list = (s: any, projectId: number, query: string) => s.ok("GET", `/lead/${projectId}/list?${query}`);

  it("pages with offset and limit without overlap", async () => {
    const { s, ids } = await fiveLeads();
    const pages = [];
    for (const offset of [0, 2, 4]) pages.push((await list(s, s.projectId, `offset=${offset}&limit=2&sort[created_at]=4`)).map((l: any) => l.id));
    expect(pages).toEqual([[ids[0], ids[1]], [ids[2], ids[3]], [ids[4]]]);
  });

  it("sorts with sort[updated_at]=3 descending and sort[created_at]=4 ascending", async () => {
    const { s, ids } = await fiveLeads();
    const byUpdated = await list(s, s.projectId, "sort%5Bupdated_at%5D=3&limit=10");
    expect(byUpdated.map((l: any) => l.id)).toEqual([ids[1], ids[4], ids[3], ids[2], ids[0]]);
    const byCreated = await list(s, s.projectId, "sort[created_at]=4&limit=10");
    expect(byCreated.map((l: any) => l.id)).toEqual(ids);
  });

  it("filters with filter[updated_at_from] and filter[created_at_from]", async () => {
    const { s, ids, t0 } = await fiveLeads();
    expect((await list(s, s.projectId, `filter[updated_at_from]=${t0 + 100}`)).map((l: any) => l.id)).toEqual([ids[1]]);
    const created = await list(s, s.projectId, `filter[created_at_from]=${t0 + 30}&sort[created_at]=4`);
    expect(created.map((l: any) => l.id)).toEqual([ids[3], ids[4]]);
  });

  it("refuses a limit above 200 (code 400)", async () => {
    const { s } = await fiveLeads();
    expect((await s.call("GET", `/lead/${s.projectId}/list?limit=201`)).body.errors[0].code).toBe(400);
    expect(await list(s, s.projectId, "limit=200")).toHaveLength(5);
  });

  it("omits custom from list items while GET /lead/{id} has it, and carries contact.project_id", async () => {
    const { s, ids } = await fiveLeads();
    const [item] = await list(s, s.projectId, "limit=1");
    expect(item).not.toHaveProperty("custom");
    expect(item.contact.project_id).toBe(s.projectId);
    expect(await s.ok("GET", `/lead/${ids[0]}`)).toHaveProperty("custom");
  });

  it("answers a bare array when bareListArrays is set", async () => {
    const d = directSim({ bareListArrays: true });
    const s = await d.session();
    await d.sim.createLead(s.projectId, { phone: "+79990000005" });
    const reply = await s.call("GET", `/lead/${s.projectId}/list`);
    expect(Array.isArray(reply.body)).toBe(true);
    expect(reply.body).toHaveLength(1);
  });
});

describe("LPTracker simulator: comments", () => {
  it("refuses a comment right after creation with 400 Invalid lead ID while commentDelayMs runs", async () => {
    const d = directSim({ commentDelayMs: 2000 });
    const s = await d.session();
    const lead = d.sim.createLead(s.projectId, { phone: "+79990000006" });
    const early = await s.call("POST", `/lead/${lead.id}/comment`, { text: "Привет" });
    expect(early).toEqual({ http: 200, body: { status: "error", errors: [{ code: 400, message: "Invalid lead ID" }] } });
    d.clock.advance(2000);
    const comment = await s.ok("POST", `/lead/${lead.id}/comment`, { text: "Привет" });
    expect(comment.created_at).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
    const comments = await s.ok("GET", `/lead/${lead.id}/comments`);
    expect(comments).toEqual([{ id: comment.id, text: "Привет", author: expect.objectContaining({ type: "main" }), created_at: comment.created_at }]);
    expect(d.sim.state(s.user.login).leads[0]!.comments).toHaveLength(1);
  });
});

describe("LPTracker simulator: outgoing lead webhooks", () => {
  async function hooked(options: object = {}) {
    const s = await httpSession(options);
    await s.ok("PUT", `/project/${s.projectId}/callback-url`, { url: HOOK });
    return s;
  }
  const take = (login: string) => control.outbox({ take: true, login });

  it("posts a form field data holding the documented JSON on create (default encoding)", async () => {
    const s = await hooked();
    const lead = await control.createLead(s.projectId, { phone: "+79990000007", source: "yandex", campaign: "c1", keyword: "crm", calls: 1 });
    const [hook, ...rest] = await take(s.user.login);
    expect(rest).toEqual([]);
    expect(hook).toMatchObject({ url: HOOK, method: "POST", login: s.user.login });
    expect(hook!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect([...new URLSearchParams(hook!.body).keys()]).toEqual(["data"]);
    const data = webhookJson(hook!);
    expect(data).toMatchObject({
      action: "create",
      id: lead.id,
      contact_id: lead.contactId,
      project_id: s.projectId,
      stage_id: lead.stageId,
      owner_id: lead.ownerId,
      stage: { id: lead.stageId, name: "Новый" },
      view: { source: "yandex", campaign: "c1", keyword: "crm" },
      contact: { id: lead.contactId, project_id: s.projectId, contacts: [{ type: "phone", data: "+79990000007" }] },
      payments: [],
    });
    expect(data.action_timestamp).toBeGreaterThan(1e12);
    expect(data.created_at).toBeLessThan(1e11);
    expect(data.detail_id).toBe(data.contact.contacts[0].id);
    expect(data.calls_records).toHaveLength(1);
    expect(data.custom[0]).toEqual(expect.objectContaining({ id: expect.any(Number), name: expect.any(String), type: expect.any(String) }));
    for (const key of ["deal", "name", "author", "owner"]) expect(data).toHaveProperty(key);
  });

  it("posts raw JSON with webhookEncoding json, and alternates with mixed", async () => {
    const s = await hooked({ webhookEncoding: "json" });
    await control.createLead(s.projectId, { phone: "+79990000008" });
    const [hook] = await take(s.user.login);
    expect(hook!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(hook!.body).action).toBe("create");

    const m = await hooked({ webhookEncoding: "mixed" });
    const lead = await control.createLead(m.projectId, { phone: "+79990000009" });
    await control.sendWebhook(lead.id, { action: "update" });
    const hooks = await take(m.user.login);
    expect(hooks.map((h) => h.headers["content-type"])).toEqual(["application/x-www-form-urlencoded", "application/json"]);
    expect(hooks.map((h) => webhookJson(h).action)).toEqual(["create", "update"]);
  });

  it("names the changed field in action_update_fields and sets author.name to the API login's service (echo)", async () => {
    const s = await hooked();
    const lead = await control.createLead(s.projectId, { phone: "+79990000010" });
    await take(s.user.login);
    const funnel = await s.ok("GET", `/project/${s.projectId}/funnel`);
    await s.ok("PUT", `/lead/${lead.id}/funnel`, { funnel: funnel[3].id });
    const [hook] = await take(s.user.login);
    const data = webhookJson(hook!);
    expect(data).toMatchObject({ action: "update", action_update_fields: "stage.id", stage: { id: funnel[3].id, name: "Встреча" } });
    expect(data.author.name).toBe(SERVICE);
  });

  it("uses a staff member as the author of changes made in LPTracker itself", async () => {
    const s = await hooked();
    const lead = await control.createLead(s.projectId, { phone: "+79990000011" });
    await control.updateLead(lead.id, { stageId: s.user.projects[0]!.funnel[5]!.id });
    const hooks = await take(s.user.login);
    const staffNames = s.user.staff.map((x) => x.name);
    expect(hooks.map((h) => webhookJson(h).action)).toEqual(["create", "update"]);
    for (const h of hooks) expect(staffNames).toContain(webhookJson(h).author.name);
  });

  it("fires update on API changes and delete on DELETE /lead/{id}", async () => {
    const s = await hooked();
    const contact = await s.ok("POST", "/contact", { project_id: s.projectId, details: [{ type: "phone", data: "+79990000012" }] });
    const lead = await s.ok("POST", "/lead", { contact_id: contact.id, callback: false });
    await s.ok("POST", `/lead/${lead.id}/payment`, { category: "A", purpose: "B", sum: 10 });
    await s.ok("DELETE", `/lead/${lead.id}`);
    const hooks = (await take(s.user.login)).map(webhookJson);
    expect(hooks.map((h) => [h.action, h.action_update_fields])).toEqual([
      ["create", null],
      ["update", "payments"],
      ["delete", null],
    ]);
  });

  it("delivers twice with times: 2, byte for byte", async () => {
    const s = await hooked();
    const lead = await control.createLead(s.projectId, { phone: "+79990000013", times: 2 });
    expect(lead.webhooks).toEqual({ queued: 2, dropped: 0 });
    const hooks = await take(s.user.login);
    expect(hooks).toHaveLength(2);
    expect(hooks[0]!.body).toBe(hooks[1]!.body);
  });

  it("drops the next N webhooks after drop-webhooks", async () => {
    const s = await hooked();
    await control.dropWebhooks(s.user.login, 1);
    const first = await control.createLead(s.projectId, { phone: "+79990000014" });
    const second = await control.createLead(s.projectId, { phone: "+79990000015" });
    expect(first.webhooks).toEqual({ queued: 0, dropped: 1 });
    expect(second.webhooks).toEqual({ queued: 1, dropped: 0 });
    expect((await take(s.user.login)).map((h) => webhookJson(h).id)).toEqual([second.id]);
    expect((await control.state(s.user.login)).webhooks).toMatchObject({ dropped: 1, dropNext: 0 });
  });

  it("sends one POST per registered url and none when webhook:false", async () => {
    const s = await hooked();
    await s.ok("PUT", `/project/${s.projectId}/callback-url`, { url: "https://customer.example/hook" });
    await control.createLead(s.projectId, { phone: "+79990000016" });
    await control.createLead(s.projectId, { phone: "+79990000017", webhook: false });
    expect((await take(s.user.login)).map((h) => h.url)).toEqual([HOOK, "https://customer.example/hook"]);
  });

  it("reuses a known contact by phone for a form lead", async () => {
    const s = await hooked();
    const a = await control.createLead(s.projectId, { phone: "+7 999 000-00-18" });
    const b = await control.createLead(s.projectId, { phone: "89990000018" });
    expect(b.contactId).toBe(a.contactId);
  });

  it("POSTs at once in http mode", async () => {
    const received: { type: string | null; body: string }[] = [];
    const receiver = await serve(async (req) => {
      received.push({ type: req.headers.get("content-type"), body: await req.text() });
      return new Response("ok");
    });
    try {
      const d = directSim({ webhookMode: "http" });
      const s = await d.session();
      await s.ok("PUT", `/project/${s.projectId}/callback-url`, { url: `${receiver.url}/hook` });
      const lead = d.sim.createLead(s.projectId, { phone: "+79990000019" });
      await d.sim.settled();
      expect(received).toHaveLength(1);
      expect(received[0]!.type).toBe("application/x-www-form-urlencoded");
      expect(JSON.parse(new URLSearchParams(received[0]!.body).get("data")!).id).toBe(lead.id);
      expect(d.sim.state(s.user.login).webhooks).toMatchObject({ pending: 0, sent: 1 });
    } finally {
      await receiver.close();
    }
  });
});

describe("LPTracker simulator: fault injection", () => {
  async function statuses(seed: number) {
    const d = directSim();
    const s = await d.session();
    d.sim.setFaults(s.user.login, { rate: 0.5, kinds: ["503", "500"], seed });
    const out: number[] = [];
    for (let i = 0; i < 20; i++) out.push((await send(d.sim, "GET", "/staff", { token: s.token })).status);
    return { out, state: d.sim.state(s.user.login) };
  }

  it("injects the same faults for the same seed", async () => {
    const a = await statuses(42);
    const b = await statuses(42);
    expect(a.out).toEqual(b.out);
    expect(new Set(a.out)).toEqual(new Set([200, 500, 503]));
    expect((a.state.faults.injected["503"] ?? 0) + (a.state.faults.injected["500"] ?? 0)).toBe(a.out.filter((x) => x !== 200).length);
  });

  it("answers a burst of 503s and then recovers", async () => {
    const s = await httpSession();
    await control.setFaults(s.user.login, { rate: 0, kinds: ["503"], seed: 1, burst: 3 });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await s.call("GET", "/projects"));
    expect(replies.map((r) => r.http)).toEqual([503, 503, 503, 200]);
    expect(replies[0]!.body.errors[0].code).toBe(503);
    await control.setFaults(s.user.login, null);
    expect((await control.state(s.user.login)).served503).toBe(3);
  });

  it("drops the connection for a reset fault", async () => {
    const s = await httpSession();
    await control.setFaults(s.user.login, { rate: 1, kinds: ["reset"], seed: 1 });
    await expect(fetch(`${server.url}/projects`, { headers: { token: s.token } })).rejects.toThrow();
    await control.setFaults(s.user.login, null);
    expect(await s.ok("GET", "/projects")).toHaveLength(1);
  });
});

describe("LPTracker simulator: tenant isolation", () => {
  it("does not let user A's token read or change user B's lead", async () => {
    const a = await httpSession();
    const b = await httpSession();
    const bLead = await control.createLead(b.projectId, { phone: "+79990000020", webhook: false });
    expect((await a.call("GET", `/lead/${bLead.id}`)).body.errors[0].code).toBe(404);
    expect((await a.call("PUT", `/lead/${bLead.id}/funnel`, { funnel: bLead.stageId })).body.errors[0].code).toBe(404);
    expect((await a.call("GET", `/project/${b.projectId}/funnel`)).body.errors[0].code).toBe(404);
    expect((await a.call("GET", `/lead/${b.projectId}/list`)).body.errors[0].code).toBe(404);
    expect(await a.ok("GET", `/contact/search?phone=89990000020`)).toEqual([]);
    expect((await a.ok("GET", "/projects")).map((p: any) => p.id)).toEqual([a.projectId]);
    expect((await control.state(a.user.login)).leads).toEqual([]);
  });

  it("gives every entity an id unique across the sim", async () => {
    const a = await control.createUser();
    const b = await control.createUser();
    const ids = [a, b].flatMap((u) => [
      ...u.staff.map((s) => s.id),
      ...u.projects.flatMap((p) => [p.id, ...p.funnel.map((s) => s.id), ...p.customs.map((c) => c.id), ...p.fields.map((f) => f.id)]),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("LPTracker simulator: control API", () => {
  it("creates users with N projects, rejects a taken login, and reports health", async () => {
    const user = await control.createUser({ login: `ctl-${Date.now()}@example.test`, password: "p", projects: 3 });
    expect(user.projects).toHaveLength(3);
    expect(user.staff).toHaveLength(3);
    await expect(control.createUser({ login: user.login })).rejects.toMatchObject({ status: 409 });
    expect((await control.health()).ok).toBe(true);
  });

  it("answers 404 for unknown users, projects and leads", async () => {
    await expect(control.state("nobody@example.test")).rejects.toMatchObject({ status: 404 });
    await expect(control.createLead(1, {})).rejects.toMatchObject({ status: 404 });
    await expect(control.updateLead(1, {})).rejects.toMatchObject({ status: 404 });
  });

  it("resets everything on a separate sim", async () => {
    const d = directSim();
    const s = await d.session();
    d.sim.reset();
    expect((await s.call("GET", "/projects")).body.errors[0].code).toBe(401);
    expect(() => d.sim.state(s.user.login)).toThrow();
  });
});
