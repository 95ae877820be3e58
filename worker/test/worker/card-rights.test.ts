// User rights in the card: the card routes show LPTracker data only to users amoCRM lets see the
// lead or contact (view A / G / M / D, status rights first), read with the account's admin token.
import { beforeAll, describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { amo, db, installAccount, ORIGIN, uniqueSubdomain, type Installed } from "./harness";
import { widgetToken } from "./auth-tokens";
import { tenant } from "../../src/db/tenant";
import { upsertLink } from "../../src/db/links";
import type { CardResponse } from "../../src/api-types";
import type { SimUser } from "../../sim/amocrm/types";
import { amoUserRights } from "../../src/db/schema";
import { eq } from "drizzle-orm";

const GROUP_NORTH = 5;
const GROUP_SOUTH = 6;

let a: Installed;
let users: Record<string, SimUser>;
let pipelineId: number;
let statusOpen: number;
let statusOther: number;
let lptSeq = 9_100_000;

async function cardAs(user: SimUser, entity: "leads" | "contacts", id: number, isAdmin = false): Promise<Response> {
  const token = await widgetToken({ account_id: a.accountId, subdomain: a.subdomain, user_id: user.id, is_admin: isAdmin });
  return SELF.fetch(`${ORIGIN}/api/widget/card?entity=${entity}&id=${id}`, { headers: { "X-Auth-Token": token } });
}

async function syncAs(user: SimUser, entity: "leads" | "contacts", id: number): Promise<Response> {
  const token = await widgetToken({ account_id: a.accountId, subdomain: a.subdomain, user_id: user.id, is_admin: false });
  return SELF.fetch(`${ORIGIN}/api/widget/card/sync`, { method: "POST", headers: { "X-Auth-Token": token, "content-type": "application/json" }, body: JSON.stringify({ entity, id }) });
}

/** An amoCRM lead with the given responsible user, linked to an LPTracker lead of ours. */
async function linkedLead(responsible: SimUser, opts: { statusId?: number; contactId?: number } = {}): Promise<number> {
  const lead = await amo.createLead(a.accountId, {
    name: `Сделка ${responsible.name}`,
    responsible_user_id: responsible.id,
    pipeline_id: pipelineId,
    status_id: opts.statusId ?? statusOpen,
    ...(opts.contactId ? { _embedded: { contacts: [{ id: opts.contactId }] } } : {}),
  });
  lptSeq += 1;
  await upsertLink(tenant(db(), a.accountId), "lead", lptSeq, lead.id, null, { snapshot: { name: `LPT ${lptSeq}`, stage: { id: 1, name: "Новый" }, view: {}, fields: [], syncedAt: Date.now() } });
  return lead.id;
}

async function expectVisible(res: Response): Promise<CardResponse> {
  expect(res.status, await res.clone().text()).toBe(200);
  const card = (await res.json()) as CardResponse;
  expect(card.leads).toHaveLength(1);
  return card;
}

async function expectRefused(res: Response, reason: string): Promise<void> {
  expect(res.status).toBe(403);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = (await res.json()) as { reason: string; code: string; detail: string; leads?: unknown };
  expect(body.reason).toBe(reason);
  // The widget words it from the code; the detail is the catalogue's English for API consumers.
  expect(body.code).toMatch(reason === "no_view_right" ? /^card_(lead|contact)_hidden$/ : /^card_rights_unavailable$/);
  expect(body.detail).toMatch(/LPTracker data is hidden/);
  expect(JSON.stringify(body)).not.toContain("LPT ");
}

beforeAll(async () => {
  a = await installAccount(uniqueSubdomain("rights"), {
    groups: [
      { id: GROUP_NORTH, name: "Север" },
      { id: GROUP_SOUTH, name: "Юг" },
    ],
    users: [
      { name: "Owner", is_admin: true },
      { name: "All", rights: { leads: { view: "A", edit: "A" }, contacts: { view: "A", edit: "A" } } },
      { name: "North1", group_id: GROUP_NORTH, rights: { leads: { view: "G", edit: "G" }, contacts: { view: "G" } } },
      { name: "North2", group_id: GROUP_NORTH, rights: { leads: { view: "M", edit: "M" } } },
      { name: "South", group_id: GROUP_SOUTH, rights: { leads: { view: "G", edit: "G" }, contacts: { view: "G" } } },
      { name: "Own", rights: { leads: { view: "M", edit: "M" }, contacts: { view: "M", edit: "M" } } },
      { name: "None", rights: { leads: { view: "D" }, contacts: { view: "D" } } },
      { name: "Stage", rights: { leads: { view: "D" }, contacts: { view: "A" } } },
      { name: "StageBlocked", rights: { leads: { view: "A", edit: "A" } } },
    ],
  });
  users = Object.fromEntries(a.info.users.map((u) => [u.name, u]));
  const pipeline = a.info.pipelines.find((p) => p.is_main)!;
  pipelineId = pipeline.id;
  const open = pipeline.statuses.filter((s) => s.type === 0 && s.id !== 142 && s.id !== 143);
  statusOpen = open[0]!.id;
  statusOther = open[1]!.id;
  // Status rights open one status to "Stage" and close it to "StageBlocked".
  await amo.updateUser(a.accountId, users.Stage!.id, { rights: { status_rights: [{ entity_type: "leads", pipeline_id: pipelineId, status_id: statusOpen, rights: { view: "A", edit: "A", delete: "D" } }] } });
  await amo.updateUser(a.accountId, users.StageBlocked!.id, { rights: { status_rights: [{ entity_type: "leads", pipeline_id: pipelineId, status_id: statusOther, rights: { view: "D", edit: "D", delete: "D" } }] } });
  // The install cached everybody's rights; these changes would otherwise show after the TTL.
  await db().update(amoUserRights).set({ fetchedAt: 0 }).where(eq(amoUserRights.accountId, a.accountId));
}, 90_000);

describe("card rights: leads", () => {
  it("an admin (by the token) sees any lead, with sync and link offered", async () => {
    const id = await linkedLead(users.North2!);
    const card = await expectVisible(await cardAs(users.Owner!, "leads", id, true));
    expect(card.can).toEqual({ sync: true, link: true });
  });

  it("A: a manager with full view rights sees somebody else's lead, but is offered neither sync nor link", async () => {
    const id = await linkedLead(users.North2!);
    const card = await expectVisible(await cardAs(users.All!, "leads", id));
    expect(card.can).toEqual({ sync: false, link: false });
    expect(card.suggestions).toBeUndefined();
  });

  it("G: a group mate's lead is visible, another group's lead is refused", async () => {
    await expectVisible(await cardAs(users.North1!, "leads", await linkedLead(users.North2!)));
    await expectRefused(await cardAs(users.South!, "leads", await linkedLead(users.North2!)), "no_view_right");
    // G also covers the user's own leads.
    await expectVisible(await cardAs(users.South!, "leads", await linkedLead(users.South!)));
  });

  it("M: one's own lead is visible, anybody else's is refused", async () => {
    await expectVisible(await cardAs(users.Own!, "leads", await linkedLead(users.Own!)));
    await expectRefused(await cardAs(users.Own!, "leads", await linkedLead(users.All!)), "no_view_right");
  });

  it("D: no lead is visible, not even one's own", async () => {
    await expectRefused(await cardAs(users.None!, "leads", await linkedLead(users.None!)), "no_view_right");
  });

  it("status rights override the base rights in their status, in both directions", async () => {
    // Base D, status right A → visible in that status only.
    const opened = await linkedLead(users.All!, { statusId: statusOpen });
    await expectVisible(await cardAs(users.Stage!, "leads", opened));
    await expectRefused(await cardAs(users.Stage!, "leads", await linkedLead(users.All!, { statusId: statusOther })), "no_view_right");
    // Base A, status right D → refused there, visible elsewhere.
    await expectRefused(await cardAs(users.StageBlocked!, "leads", await linkedLead(users.All!, { statusId: statusOther })), "no_view_right");
    await expectVisible(await cardAs(users.StageBlocked!, "leads", opened));
    // The lead's current status decides: once moved into the closed status, it is refused.
    await amo.moveLeadStatus(a.accountId, opened, { status_id: statusOther });
    await expectRefused(await cardAs(users.StageBlocked!, "leads", opened), "no_view_right");
  });

  it("the lead's responsible user is read from amoCRM each time: a reassigned lead follows at once", async () => {
    const id = await linkedLead(users.Own!);
    await expectVisible(await cardAs(users.Own!, "leads", id));
    await amo.updateLead(a.accountId, id, { responsible_user_id: users.All!.id });
    await expectRefused(await cardAs(users.Own!, "leads", id), "no_view_right");
  });

  it("rights are cached: a second card does not ask amoCRM for the user again", async () => {
    const before = (await amo.state(a.accountId)).requests["GET /api/v4/users/{id}"] ?? 0;
    await expectVisible(await cardAs(users.All!, "leads", await linkedLead(users.Own!)));
    await expectVisible(await cardAs(users.All!, "leads", await linkedLead(users.Own!)));
    const after = (await amo.state(a.accountId)).requests["GET /api/v4/users/{id}"] ?? 0;
    // Installing read every user with the metadata, so the cache was already warm.
    expect(after - before).toBe(0);
  });

  it("a forged is_admin cannot pass: rights come from amoCRM, not from the request", async () => {
    const id = await linkedLead(users.All!);
    const token = await widgetToken({ account_id: a.accountId, subdomain: a.subdomain, user_id: users.None!.id, is_admin: false });
    const res = await SELF.fetch(`${ORIGIN}/api/widget/card?entity=leads&id=${id}&is_admin=1&rights=A`, { headers: { "X-Auth-Token": token, "X-Rights": "A" } });
    await expectRefused(res, "no_view_right");
  });
});

describe("card rights: contacts and sync", () => {
  it("a contact card shows only the leads the user may see and counts the hidden ones", async () => {
    const contact = await amo.createContact(a.accountId, { name: "Клиент", responsible_user_id: users.Own!.id });
    await linkedLead(users.Own!, { contactId: contact.id });
    await linkedLead(users.All!, { contactId: contact.id });
    const card = await expectVisible(await cardAs(users.Own!, "contacts", contact.id));
    expect(card.hiddenLeads).toBe(1);
    const all = (await (await cardAs(users.All!, "contacts", contact.id)).json()) as CardResponse;
    expect(all.leads).toHaveLength(2);
    expect(all.hiddenLeads).toBeUndefined();
    await expectRefused(await cardAs(users.None!, "contacts", contact.id), "no_view_right");
  });

  it("sync writes into amoCRM, so it is an admin's action even for a manager with full rights", async () => {
    const id = await linkedLead(users.Own!);
    const card = await expectVisible(await cardAs(users.All!, "leads", id));
    expect(card.can.sync).toBe(false);
    const refused = await syncAs(users.All!, "leads", id);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { reason: string }).reason).toBe("not_admin");
    const token = await widgetToken({ account_id: a.accountId, subdomain: a.subdomain, user_id: users.Owner!.id, is_admin: true });
    const ok = await SELF.fetch(`${ORIGIN}/api/widget/card/sync`, { method: "POST", headers: { "X-Auth-Token": token, "content-type": "application/json" }, body: JSON.stringify({ entity: "leads", id }) });
    expect(ok.status).toBe(200);
  });

  it("linking stays an admin's action", async () => {
    const id = await linkedLead(users.All!);
    const token = await widgetToken({ account_id: a.accountId, subdomain: a.subdomain, user_id: users.All!.id, is_admin: false });
    const res = await SELF.fetch(`${ORIGIN}/api/widget/card/link`, { method: "POST", headers: { "X-Auth-Token": token, "content-type": "application/json" }, body: JSON.stringify({ entity: "leads", id, lptLeadId: 1 }) });
    expect(res.status).toBe(403);
  });
});

describe("card rights: when amoCRM will not tell", () => {
  it("denies managers (not admins) when /users answers 403, and forgets what was cached", async () => {
    const b = await installAccount(uniqueSubdomain("norights"), { users: [{ name: "Owner", is_admin: true }, { name: "All", rights: { leads: { view: "A" } } }] });
    const manager = b.info.users[1]!;
    const lead = await amo.createLead(b.accountId, { name: "x", responsible_user_id: manager.id });
    await upsertLink(tenant(db(), b.accountId), "lead", 7_700_001, lead.id, null, { snapshot: { name: "LPT secret", view: {}, fields: [], syncedAt: Date.now() } });
    await amo.forbidUsersApi(b.accountId);
    // Make the cached row stale so the next card asks amoCRM.
    await db().update(amoUserRights).set({ fetchedAt: 0 }).where(eq(amoUserRights.accountId, b.accountId));
    const token = (user: number, isAdmin: boolean) => widgetToken({ account_id: b.accountId, subdomain: b.subdomain, user_id: user, is_admin: isAdmin });
    const res = await SELF.fetch(`${ORIGIN}/api/widget/card?entity=leads&id=${lead.id}`, { headers: { "X-Auth-Token": await token(manager.id, false) } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { reason: string; detail: string };
    expect(body.reason).toBe("rights_unavailable");
    expect(JSON.stringify(body)).not.toContain("LPT secret");
    const admin = await SELF.fetch(`${ORIGIN}/api/widget/card?entity=leads&id=${lead.id}`, { headers: { "X-Auth-Token": await token(b.adminUserId, true) } });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as CardResponse).leads).toHaveLength(1);
    // A 403 on /users is not an account block: other calls to amoCRM carry on.
    expect((await amo.state(b.accountId)).rate.forbidden).toBe(0);
  });
});
