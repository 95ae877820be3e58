// Rules API for the admin page: list, create, update, delete, reorder, and a dry-run that shows
// what a rule would do for a recent event or a pasted payload without writing anything.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { parseOr400 } from "../lib/validate";
import { tenant, type Tenant } from "../db/tenant";
import { createRule, deleteRule, getRule, listRules, reorderRules, updateRule } from "../db/rules";
import { getEvent } from "../db/events";
import { writeAudit } from "../db/audit";
import { ruleCreateSchema, ruleUpdateSchema } from "../sync/schemas";
import { evaluateRules } from "../sync/rules";
import { normalizeLptLead } from "../sync/lpt-lead";
import { amoLeadFacts, amoPreviousFacts, importRowFacts, leadFacts } from "../sync/facts";
import { getMetadata } from "../amocrm/metadata";
import { metadataCache } from "../db/schema";
import { and, eq } from "drizzle-orm";
import type { Facts, Rule } from "../sync/types";
import type { DryRunResponse, LptProjectSchema } from "../api-types";

const dryRunBody = z.union([z.object({ eventId: z.number().int().positive() }), z.object({ payload: z.record(z.string(), z.unknown()) })]);

/** The cached LPTracker schema of a project, without fetching (a dry-run reads nothing remote). */
async function cachedSchema(t: Tenant, projectId: number | null): Promise<LptProjectSchema | null> {
  if (!projectId) return null;
  const rows = await t.db
    .select()
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, `lpt_project:${projectId}`)))
    .limit(1);
  return (rows[0]?.data as LptProjectSchema | undefined) ?? null;
}

async function factsFor(t: Tenant, rule: Rule, payload: Record<string, unknown>, projectId: number | null): Promise<{ facts: Facts; previous?: Facts }> {
  if (rule.trigger.startsWith("lpt.")) {
    const lead = normalizeLptLead(payload);
    const schema = await cachedSchema(t, lead.projectId ?? projectId);
    return { facts: leadFacts(lead, { stages: schema?.stages, customs: schema?.customs }) };
  }
  if (rule.trigger.startsWith("amo.")) {
    const meta = await getMetadata(t);
    return { facts: amoLeadFacts(payload, { meta }), previous: amoPreviousFacts(payload) };
  }
  return { facts: importRowFacts(payload) };
}

export function adminRuleRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.admin.accountId);
  const actor = (c: { var: AppEnv["Variables"] }) => `amo-user:${c.var.admin.userId}`;
  const ruleId = (raw: string) => {
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id <= 0) throw new Problem("not-found", `Rule ${raw} does not exist.`);
    return id;
  };

  r.get("/api/admin/rules", async (c) => c.json({ items: await listRules(t(c)) }));

  r.post("/api/admin/rules", async (c) => {
    const body = parseOr400(ruleCreateSchema, await c.req.json().catch(() => null));
    const tt = t(c);
    const rule = await createRule(tt, body);
    await writeAudit(tt, { source: "admin", action: "rule.created", actor: actor(c), message: `Rule «${rule.name}» created.`, entityType: "rule", entityId: rule.id });
    return c.json(rule, 201);
  });

  r.put("/api/admin/rules/:id", async (c) => {
    const id = ruleId(c.req.param("id"));
    const tt = t(c);
    const current = await getRule(tt, id);
    if (!current) throw new Problem("not-found", `Rule ${id} does not exist in this account.`);
    const patch = parseOr400(ruleUpdateSchema, await c.req.json().catch(() => null));
    // Trigger and actions must still fit together once merged with what is stored.
    const merged = parseOr400(ruleCreateSchema, { name: current.name, enabled: current.enabled, trigger: current.trigger, conditions: current.conditions, actions: current.actions, ...patch });
    const rule = await updateRule(tt, id, merged);
    await writeAudit(tt, { source: "admin", action: "rule.updated", actor: actor(c), message: `Rule «${merged.name}» updated${patch.enabled !== undefined ? ` (${patch.enabled ? "enabled" : "disabled"})` : ""}.`, entityType: "rule", entityId: id });
    return c.json(rule);
  });

  r.delete("/api/admin/rules/:id", async (c) => {
    const id = ruleId(c.req.param("id"));
    const tt = t(c);
    const current = await getRule(tt, id);
    if (!current || !(await deleteRule(tt, id))) throw new Problem("not-found", `Rule ${id} does not exist in this account.`);
    await writeAudit(tt, { source: "admin", action: "rule.deleted", actor: actor(c), message: `Rule «${current.name}» deleted.`, entityType: "rule", entityId: id });
    return c.body(null, 204);
  });

  r.post("/api/admin/rules/reorder", async (c) => {
    const body = parseOr400(z.object({ ids: z.array(z.number().int().positive()).max(500) }), await c.req.json().catch(() => null));
    const tt = t(c);
    const items = await reorderRules(tt, body.ids);
    await writeAudit(tt, { source: "admin", action: "rule.reordered", actor: actor(c), message: `Rules reordered: ${items.map((x) => `«${x.name}»`).join(", ")}.` });
    return c.json({ items });
  });

  r.post("/api/admin/rules/:id/dry-run", async (c) => {
    const id = ruleId(c.req.param("id"));
    const tt = t(c);
    const rule = await getRule(tt, id);
    if (!rule) throw new Problem("not-found", `Rule ${id} does not exist in this account.`);
    const body = parseOr400(dryRunBody, await c.req.json().catch(() => null));
    let payload: Record<string, unknown>;
    let projectId: number | null = null;
    if ("eventId" in body) {
      const event = await getEvent(tt, body.eventId);
      if (!event) throw new Problem("not-found", `Event ${body.eventId} does not exist in this account.`);
      try {
        payload = JSON.parse(event.payload) as Record<string, unknown>;
      } catch {
        throw new Problem("validation", `Event ${body.eventId} has no readable payload (it was rejected as malformed).`);
      }
      projectId = event.projectId;
    } else {
      payload = body.payload;
    }
    let facts: Facts;
    let previous: Facts | undefined;
    try {
      ({ facts, previous } = await factsFor(tt, rule, payload, projectId));
    } catch (err) {
      throw new Problem("validation", `The payload does not look like an event for this rule's trigger: ${(err as Error).message}`);
    }
    const plan = evaluateRules([{ ...rule, enabled: true }], rule.trigger, facts, previous);
    const answer: DryRunResponse = { plan, facts, writes: false };
    return c.json(answer);
  });

  return r;
}
