// Two installed accounts × every widget and admin route: signed in as A, nothing of B can be read
// or changed, whatever ids A puts in the URL or body.
import { describe, expect, it } from "vitest";
import { adminFetch, amo, connectLpt, deliverLptHooks, eventsOf, installAccount, lpt, settle, widgetFetch, type Connected } from "./harness";
import type { Rule } from "../../src/sync/types";

async function populated(marker: string): Promise<{ a: Connected; amoLeadId: number; amoContactId: number; eventId: number; rule: Rule }> {
  const a = await connectLpt(await installAccount());
  await lpt.createLead(a.projectId, { name: `${marker} сделка`, contactName: `${marker} клиент`, phone: `+7999${Math.floor(1e6 + Math.random() * 8e6)}`, calls: 1 });
  await deliverLptHooks(a.login);
  await settle(a.accountId);
  const state = await amo.state(a.accountId);
  const [event] = await eventsOf(a.accountId);
  const rule = (await (
    await adminFetch(a, "/api/admin/rules", { method: "POST", json: { name: `${marker} правило`, trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: [marker] }] } })
  ).json()) as Rule;
  return { a, amoLeadId: state.leads[0]!.id, amoContactId: state.contacts[0]!.id, eventId: event!.id, rule };
}

describe("tenant isolation", () => {
  it("never lets account A read or change account B's data through any widget or admin route", async () => {
    const [A, B] = await Promise.all([populated("АЛЬФА"), populated("БЕТА")]);
    const bMarkers = ["БЕТА", B.a.subdomain, B.a.login];
    const bBefore = {
      amo: await amo.state(B.a.accountId),
      lpt: await lpt.state(B.a.login),
      rules: await (await adminFetch(B.a, "/api/admin/rules")).text(),
      mapping: await (await widgetFetch(B.a, `/api/widget/mapping/${B.a.projectId}`)).text(),
      events: (await eventsOf(B.a.accountId)).map((e) => [e.id, e.status, e.attempts]),
    };

    const widgetCalls: [string, string, unknown?][] = [
      ["GET", "/api/widget/me"],
      ["GET", "/api/widget/lptracker"],
      ["GET", `/api/widget/lptracker/projects/${B.a.projectId}/schema`],
      ["GET", "/api/widget/metadata"],
      ["GET", `/api/widget/mapping/${B.a.projectId}`],
      ["PUT", `/api/widget/mapping/${B.a.projectId}`, { rows: [], stageMap: [] }],
      ["GET", `/api/widget/card?entity=leads&id=${B.amoLeadId}`],
      ["GET", `/api/widget/card?entity=contacts&id=${B.amoContactId}`],
      ["POST", "/api/widget/card/sync", { entity: "leads", id: B.amoLeadId }],
      ["POST", "/api/widget/admin-link"],
    ];
    const adminCalls: [string, string, unknown?][] = [
      ["GET", "/api/admin/session"],
      ["GET", "/api/admin/events"],
      ["GET", `/api/admin/events/${B.eventId}`],
      ["POST", `/api/admin/events/${B.eventId}/replay`],
      ["POST", "/api/admin/events/replay", { status: "done" }],
      ["GET", "/api/admin/rules"],
      ["PUT", `/api/admin/rules/${B.rule.id}`, { name: "взлом" }],
      ["POST", `/api/admin/rules/${B.rule.id}/dry-run`, { eventId: B.eventId }],
      ["POST", `/api/admin/rules/${A.rule.id}/dry-run`, { eventId: B.eventId }],
      ["POST", "/api/admin/rules/reorder", { ids: [B.rule.id, A.rule.id] }],
      ["POST", "/api/admin/rules/dry-run", { eventId: B.eventId }],
      ["POST", "/api/admin/rules/preview", { id: B.rule.id, rule: { name: "взлом", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["x"] }] } }],
      ["POST", "/api/admin/rules/preview", { rule: { name: "взлом", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["x"] }] } }],
      ["GET", `/api/admin/rules/${B.rule.id}/history`],
      ["POST", `/api/admin/rules/${B.rule.id}/restore`, { version: 1 }],
      ["GET", "/api/admin/rules/deleted"],
      ["DELETE", `/api/admin/rules/${B.rule.id}`],
      ["GET", "/api/admin/dashboard"],
      ["GET", "/api/admin/audit"],
      ["GET", "/api/admin/audit?q=БЕТА"],
      ["GET", "/api/admin/calls"],
      ["GET", "/api/admin/calls/export.xlsx"],
      ["GET", "/api/admin/metadata"],
      ["GET", "/api/admin/lptracker"],
      ["GET", "/api/admin/imports"],
    ];
    const seen: string[] = [];
    for (const [method, path, json] of widgetCalls) {
      const res = await widgetFetch(A.a, path, { method, json });
      seen.push(`${method} ${path} → ${res.status}`);
      const text = await res.text();
      for (const m of bMarkers) expect(text, `${method} ${path}`).not.toContain(m);
    }
    for (const [method, path, json] of adminCalls) {
      const res = await adminFetch(A.a, path, { method, json });
      seen.push(`${method} ${path} → ${res.status}`);
      const text = path.endsWith(".xlsx") ? new TextDecoder("latin1").decode(await res.arrayBuffer()) : await res.text();
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      for (const m of bMarkers) expect(text, `${method} ${path}`).not.toContain(m);
    }
    // Requests about B's ids answer as if they did not exist.
    expect(seen).toContain(`GET /api/admin/events/${B.eventId} → 404`);
    expect(seen).toContain(`DELETE /api/admin/rules/${B.rule.id} → 404`);
    expect(seen).toContain(`GET /api/admin/rules/${B.rule.id}/history → 404`);
    expect(seen).toContain(`POST /api/admin/rules/${B.rule.id}/restore → 404`);
    expect(seen).toContain(`POST /api/admin/rules/dry-run → 404`);
    expect(seen).toContain(`GET /api/widget/mapping/${B.a.projectId} → 404`);

    await settle(A.a.accountId);
    const bAfter = {
      amo: await amo.state(B.a.accountId),
      lpt: await lpt.state(B.a.login),
      rules: await (await adminFetch(B.a, "/api/admin/rules")).text(),
      mapping: await (await widgetFetch(B.a, `/api/widget/mapping/${B.a.projectId}`)).text(),
      events: (await eventsOf(B.a.accountId)).map((e) => [e.id, e.status, e.attempts]),
    };
    expect(bAfter.rules).toBe(bBefore.rules);
    expect(bAfter.mapping).toBe(bBefore.mapping);
    expect(bAfter.events).toEqual(bBefore.events);
    expect(bAfter.amo.leads).toEqual(bBefore.amo.leads);
    expect(bAfter.amo.requests).toEqual(bBefore.amo.requests);
    expect(bAfter.lpt.leads).toEqual(bBefore.lpt.leads);
  });
});
