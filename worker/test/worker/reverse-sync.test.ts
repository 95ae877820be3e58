import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { makeDb } from "../../src/db/client";
import { tenant } from "../../src/db/tenant";
import { saveMapping } from "../../src/db/mapping";
import { adminFetch, amo, connectLpt, deliverAmoHooks, deliverLptHooks, eventsOf, installAccount, lpt, settle } from "./harness";

async function linkedLead() {
  const a = await connectLpt(await installAccount());
  const info = a.info;
  const pipeline = info.pipelines[0]!;
  const open = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && (s as { type?: number }).type !== 1);
  // Stage map: LPTracker stage 0 ↔ amoCRM status 0, stage 1 ↔ status 1 (both directions).
  await saveMapping(tenant(makeDb(env.DB), a.accountId), a.projectId, [], [
    { lptStageId: a.stages[0]!.id, amoPipelineId: pipeline.id, amoStatusId: open[0]!.id, direction: "both" },
    { lptStageId: a.stages[1]!.id, amoPipelineId: pipeline.id, amoStatusId: open[1]!.id, direction: "both" },
  ], null);
  const lead = await lpt.createLead(a.projectId, { name: "Двусторонняя", phone: "+79995556677", stageId: a.stages[0]!.id });
  await deliverLptHooks(a.login);
  await settle(a.accountId);
  const amoLead = (await amo.state(a.accountId)).leads[0]!;
  if (!amoLead) throw new Error(JSON.stringify(await eventsOf(a.accountId)));
  return { a, lead, amoLead, pipeline, open };
}

describe.concurrent("amoCRM → LPTracker", () => {
  it("moves the LPTracker stage exactly once when a user moves the amoCRM lead, and does not echo back", async () => {
    const { a, lead, amoLead, pipeline, open } = await linkedLead();
    expect(amoLead.status_id).toBe(open[0]!.id);
    // Our own create came back as amoCRM webhooks: they must be recognised as echoes.
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    expect((await lpt.state(a.login)).leads.find((l) => l.id === lead.id)!.stageId).toBe(a.stages[0]!.id);

    await amo.moveLeadStatus(a.accountId, amoLead.id, { status_id: open[1]!.id, pipeline_id: pipeline.id });
    const answers = await deliverAmoHooks(a.accountId);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await settle(a.accountId);
    const after = await lpt.state(a.login);
    expect(after.leads.find((l) => l.id === lead.id)!.stageId).toBe(a.stages[1]!.id);
    const stageCalls = Object.entries(after.requests).filter(([k]) => k.startsWith("PUT /lead/:id/funnel")).reduce((n, [, v]) => n + (v as number), 0);
    expect(stageCalls).toBe(1);

    // LPTracker echoes our stage change as an update webhook; it must not move amoCRM again.
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const amoAfter = await amo.state(a.accountId);
    expect(amoAfter.leads[0]!.status_id).toBe(open[1]!.id);
    expect((await eventsOf(a.accountId)).filter((e) => e.status === "failed")).toHaveLength(0);
  });

  it("repairs a dropped LPTracker webhook through reconciliation", async () => {
    const a = await connectLpt(await installAccount());
    await lpt.dropWebhooks(a.login, 1);
    await lpt.createLead(a.projectId, { name: "Потерянный вебхук", phone: "+79996667788" });
    expect(await lpt.outbox({ login: a.login })).toHaveLength(0);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    expect(state.leads.map((l) => l.name)).toContain("Потерянный вебхук");
    const audit = (await (await adminFetch(a, "/api/admin/events")).json()) as { items: { source: string; status: string }[] };
    expect(audit.items.some((e) => e.source === "reconcile" && e.status === "done")).toBe(true);
  });
});
