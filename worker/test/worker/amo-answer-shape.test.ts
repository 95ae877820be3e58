// Specification: every amoCRM answer the Worker reads is checked against its schema
// (contracts/amocrm.ts). An answer in another shape is an error that names the request and the
// field, recorded on the event, with nothing stored changed; the schema-taking client methods
// read what amoCRM sends, tolerate what it may leave out, and the settings a burst reads alike are
// read once for the jobs running together.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { and, eq } from "drizzle-orm";
import { adminFetch, amo, connectLpt, db, deliverLptHooks, eventsOf, installAccount, lpt, settle } from "./harness";
import { AmoClient, AmoError, AmoShapeError } from "../../src/amocrm/client";
import { amoContactSchema, amoLeadSchema } from "../../src/contracts/amocrm";
import { links } from "../../src/db/schema";
import { getMetadata, refreshMetadata } from "../../src/amocrm/metadata";
import { makeDb } from "../../src/db/client";
import { tenant } from "../../src/db/tenant";
import { saveUnsortedSetting } from "../../src/db/unsorted";
import { projectLeadSettings } from "../../src/sync/run/lpt-to-amo";

const leadLinks = (accountId: number) =>
  db()
    .select()
    .from(links)
    .where(and(eq(links.accountId, accountId), eq(links.kind, "lead")));

describe.concurrent("amoCRM answers in an unexpected shape", () => {
  it("fails an LPTracker update whose linked amoCRM lead comes back without an id, naming the field, and changes nothing", async () => {
    const a = await connectLpt(await installAccount());
    const lead = await lpt.createLead(a.projectId, { name: "До", contactName: "Пётр", phone: "+79995550101" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const before = await amo.state(a.accountId);
    const linksBefore = await leadLinks(a.accountId);
    expect(linksBefore).toHaveLength(1);

    // The batched read of linked leads (GET /api/v4/leads?filter[id][]=…) loses its ids.
    await amo.reshape(a.accountId, { route: "GET /api/v4/leads", drop: ["_embedded.leads.*.id"] });
    await lpt.updateLead(lead.id, { name: "После" });
    await deliverLptHooks(a.login);
    await settle(a.accountId, 60_000);

    const failed = (await eventsOf(a.accountId))[1]!;
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/GET \/api\/v4\/leads in an unexpected shape \(_embedded\.leads\.0\.id: /);
    expect(failed.error).toMatch(/replay the event later/);
    // Nothing was created, renamed or relinked on that answer's word.
    const after = await amo.state(a.accountId);
    expect(after.leads).toEqual(before.leads);
    expect(after.contacts).toEqual(before.contacts);
    expect(await leadLinks(a.accountId)).toEqual(linksBefore);

    // amoCRM answers as usual again: the replay lands the update on the same lead.
    await amo.reshape(a.accountId, null);
    const replay = await adminFetch(a, `/api/admin/events/${failed.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    await settle(a.accountId, 60_000);
    expect((await eventsOf(a.accountId))[1]!.status).toBe("done");
    const fixed = await amo.state(a.accountId);
    expect(fixed.leads).toHaveLength(1);
    expect(fixed.leads[0]!.name).toBe("После");
  });

  it("fails a new lead's sync when amoCRM lists its contacts as a string, and makes no second contact", async () => {
    const a = await connectLpt(await installAccount());
    // The person is already in amoCRM; every contact list (the index fill, the search) comes back broken.
    const known = await amo.createContact(a.accountId, { name: "Ольга", custom_fields_values: [{ field_code: "PHONE", values: [{ value: "+79995550202", enum_code: "WORK" }] }] });
    await amo.reshape(a.accountId, { route: "GET /api/v4/contacts", set: { "_embedded.contacts": "не список" } });
    await lpt.createLead(a.projectId, { name: "Новая", contactName: "Ольга", phone: "+7 999 555-02-02" });
    await deliverLptHooks(a.login);
    await settle(a.accountId, 60_000);
    const [event] = await eventsOf(a.accountId);
    expect(event!.status).toBe("failed");
    expect(event!.error).toMatch(/GET \/api\/v4\/contacts in an unexpected shape \(_embedded\.contacts: /);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(0);
    expect(state.contacts.map((c) => c.id)).toEqual([known.id]);
    expect(await leadLinks(a.accountId)).toHaveLength(0);

    // Answers as usual again: the replay finds the person's contact instead of making a twin.
    await amo.reshape(a.accountId, null);
    expect((await adminFetch(a, `/api/admin/events/${event!.id}/replay`, { method: "POST" })).status).toBe(200);
    await settle(a.accountId, 60_000);
    const fixed = await amo.state(a.accountId);
    expect(fixed.contacts.map((c) => c.id)).toEqual([known.id]);
    expect(fixed.leads.map((l) => l.contact_ids)).toEqual([[known.id]]);
  });
});

describe.concurrent("AmoClient's schema-taking methods", () => {
  it("send: checks a write's answer and names the field of another shape", async () => {
    const a = await installAccount();
    const client = new AmoClient(env, a.accountId);
    const made = z.looseObject({ _embedded: z.looseObject({ leads: z.array(z.looseObject({ id: z.number() })) }) });
    const answer = await client.send(made, "POST", "/api/v4/leads", [{ name: "Через send" }]);
    expect(answer._embedded.leads).toHaveLength(1);
    expect(typeof answer._embedded.leads[0]!.id).toBe("number");

    await amo.reshape(a.accountId, { route: "POST /api/v4/leads", set: { "_embedded.leads": "oops" }, times: 1 });
    const err = await client.send(made, "POST", "/api/v4/leads", [{ name: "Второй" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmoShapeError);
    expect(err).toBeInstanceOf(AmoError);
    expect((err as AmoError).message).toMatch(/^amoCRM answered POST \/api\/v4\/leads in an unexpected shape \(_embedded\.leads: /);
    expect((err as AmoError).transient).toBe(false);
    // An amoCRM refusal is still an HTTP error with amoCRM's words, not a shape problem.
    const refused = await client.send(made, "POST", "/api/v4/leads", [{ name: "Дорогой", price: "много" }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AmoError);
    expect(refused).not.toBeInstanceOf(AmoShapeError);
    expect((refused as AmoError).status).toBe(400);
  });

  it("readLead / readContact: check the entity, answer null when it is gone, and tolerate what amoCRM leaves out", async () => {
    const a = await installAccount();
    const client = new AmoClient(env, a.accountId);
    const contact = await amo.createContact(a.accountId, { name: "Читаемый", custom_fields_values: [{ field_code: "PHONE", values: [{ value: "+79995550303", enum_code: "WORK" }] }] });
    const lead = await amo.createLead(a.accountId, { name: "Читаемая", _embedded: { contacts: [{ id: contact.id }] } });

    const read = await client.readLead(amoLeadSchema, lead.id);
    expect(read).toMatchObject({ id: lead.id, name: "Читаемая", pipeline_id: lead.pipeline_id, status_id: lead.status_id });
    expect(read!._embedded?.contacts?.map((c) => c.id)).toEqual([contact.id]);
    const person = await client.readContact(amoContactSchema, contact.id);
    expect(person?.custom_fields_values?.find((f) => f.field_code === "PHONE")?.values[0]?.value).toBe("+79995550303");
    expect(await client.readLead(amoLeadSchema, 987_654_321)).toBeNull();
    expect(await client.readContact(amoContactSchema, 987_654_321)).toBeNull();

    // Nulls amoCRM sends for empty fields are accepted.
    await amo.reshape(a.accountId, { route: "GET /api/v4/leads", set: { "_embedded.leads.*.custom_fields_values": null, "_embedded.leads.*.price": null, "_embedded.leads.*.responsible_user_id": null }, times: 1 });
    expect((await client.readLead(amoLeadSchema, lead.id))?.price).toBeNull();
    // A status that is not a number is named, not passed on.
    await amo.reshape(a.accountId, { route: "GET /api/v4/leads", set: { "_embedded.leads.*.status_id": "первичный" }, times: 1 });
    await expect(client.readLead(amoLeadSchema, lead.id)).rejects.toThrow(/GET \/api\/v4\/leads \(leads \d+\) in an unexpected shape \(status_id: /);
    // A page without ids is an error for every read waiting on it, never "the lead is gone".
    await amo.reshape(a.accountId, { route: "GET /api/v4/contacts", drop: ["_embedded.contacts.*.id"], times: 1 });
    await expect(client.readContact(amoContactSchema, contact.id)).rejects.toBeInstanceOf(AmoShapeError);
  });
});

describe("what the Worker cached, read back through schemas", () => {
  it("reads a cached metadata part in another shape as never fetched, so the next sync refreshes it", async () => {
    const a = await installAccount();
    const t = tenant(db(), a.accountId);
    const before = await getMetadata(t);
    expect(before.fetchedAt).not.toBeNull();
    expect(before.pipelines.length).toBeGreaterThan(0);
    // Written as raw SQL: the typed column would not take this shape, an older version's row might.
    await env.DB.prepare("UPDATE metadata_cache SET data = ? WHERE account_id = ? AND kind = 'pipelines'")
      .bind(JSON.stringify([{ id: "первая", name: 1 }]), a.accountId)
      .run();
    const broken = await getMetadata(t);
    expect(broken.fetchedAt).toBeNull();
    expect(broken.pipelines).toEqual([]);
    expect(broken.users).toEqual(before.users);
    // The refresh a sync then makes puts the cache right again.
    const fresh = await refreshMetadata(env, t);
    expect(fresh.pipelines).toEqual(before.pipelines);
    expect((await getMetadata(t)).fetchedAt).not.toBeNull();
  });
});

describe("settings a burst reads alike", () => {
  it("reads the lead policy and the incoming-leads setting once for jobs running together", async () => {
    const a = await connectLpt(await installAccount());
    const pipelineId = a.info.pipelines[0]!.id;
    let reads = { unsorted: 0, policy: 0 };
    const counting = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") {
          return (sql: string) => {
            if (/from "unsorted_settings"/.test(sql)) reads.unsorted++;
            if (/from "lead_policies"/.test(sql)) reads.policy++;
            return target.prepare(sql);
          };
        }
        const v: unknown = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const t = tenant(makeDb(counting), a.accountId);
    await saveUnsortedSetting(t, a.projectId, pipelineId, null);
    reads = { unsorted: 0, policy: 0 };

    const burst = await Promise.all(Array.from({ length: 6 }, () => projectLeadSettings(t, a.projectId)));
    expect(reads).toEqual({ unsorted: 1, policy: 1 });
    expect(burst.every((s) => s.unsorted?.pipelineId === pipelineId)).toBe(true);
    // Each job gets its own copy: one changing it does not change another's.
    burst[0]!.policy.repeatMode = "attach";
    expect(burst[1]!.policy.repeatMode).toBe("new");

    // Nothing is kept once the read is back: the next burst reads again.
    await projectLeadSettings(t, a.projectId);
    expect(reads).toEqual({ unsorted: 2, policy: 2 });
  });
});
