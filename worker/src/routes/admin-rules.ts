// Rules API for the admin page: list (each rule checked against the catalogue of facts), create,
// update, delete, reorder, history and restore; the whole-chain dry-run of one event and the
// preview of an unsaved rule on recent events. The dry-run and the preview write nothing.
import { Hono } from "hono";
import { z } from "zod";
import { and, desc, eq, inArray, ne, notInArray } from "drizzle-orm";
import type { Env } from "../env";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { jsonBody, parseOr400 } from "../lib/validate";
import { dryRunRequestSchema, ruleReorderRequestSchema, ruleRestoreRequestSchema } from "../contracts/admin";
import { logWarn } from "../lib/log";
import { errorText } from "../lib/error-text";
import { isPlainObject } from "../lib/json-guard";
import { tenant, type Tenant } from "../db/tenant";
import {
  createRule,
  deleteRule,
  getRule,
  listDeletedRules,
  listRules,
  listRuleVersions,
  reorderRules,
  restoreRule,
  RuleConflict,
  updateRule,
  versionContent,
  type RuleVersionRow,
} from "../db/rules";
import { getEvent, type EventRow, type EventSource } from "../db/events";
import { events } from "../db/schema";
import { listProjects } from "../db/lptracker";
import { writeAudit } from "../db/audit";
import { ruleCreateSchema, ruleUpdateSchema } from "../sync/schemas";
import { checkConditions, type CheckSources, type ConditionIssue } from "../sync/rules/rule-check";
import { ruleSources } from "../sync/rules/rule-chain";
import { dryRun, type DryRunSubject } from "../sync/plan/dry-run";
import { evaluateGroup } from "../sync/rules/rules";
import { factScope } from "../sync/rules/facts";
import { getMetadata, refreshMetadata } from "../amocrm/metadata";
import { lptProjectSchema } from "../lptracker/project-schema";
import type { Rule, RuleTrigger } from "../sync/types";
import type { DryRunOutcome, DryRunResult, PreviewChange, PreviewItem, PreviewResponse, RuleHistoryResponse, RuleListResponse, RuleVersionView, RuleView } from "../api-types";


/** How many stored events the preview tries an unsaved rule on. */
export const PREVIEW_EVENTS = 100;

/**
 * What conditions are checked against when a rule is saved: the account's metadata (loaded once if
 * it never was) and every selected LPTracker project's schema (from the hour-long cache, fetched
 * when missing). A source that cannot be read leaves its custom fields unchecked rather than refused.
 */
async function saveSources(env: Env, t: Tenant): Promise<CheckSources> {
  let meta = await getMetadata(t);
  if (meta.fetchedAt === null) meta = await refreshMetadata(env, t).catch(() => meta);
  const projects = (await listProjects(t)).filter((p) => p.enabled);
  await Promise.all(
    projects.map((p) =>
      lptProjectSchema(env, t, p.projectId).catch((err: unknown) => {
        logWarn("lptracker schema unavailable for rule checks", { projectId: p.projectId, error: String(err) });
      }),
    ),
  );
  return ruleSources(t, meta);
}

function refuseIssues(issues: ConditionIssue[]): void {
  if (!issues.length) return;
  const [first] = issues;
  throw new Problem("rule_invalid_condition", { field: first!.path, issue: first!.message, count: issues.length }, { field: first!.path, fieldName: first!.field, issues });
}

function versionView(row: RuleVersionRow): RuleVersionView {
  return { ruleId: row.ruleId, version: row.version, change: row.change, actor: row.actor, at: row.at, before: row.before, after: row.after, note: row.note };
}

/** One line per thing the sync would do differently, for the preview. */
function outcomeChanges(a: DryRunOutcome, b: DryRunOutcome): PreviewChange[] {
  const out: PreviewChange[] = [];
  const stop = (o: DryRunOutcome) => (o.stop ? `${o.stop.kind}: ${o.stop.reason}` : null);
  const place = (o: DryRunOutcome) => (o.amoLead && o.amoLead.pipelineId !== null ? `${o.amoLead.pipelineName ?? o.amoLead.pipelineId} → ${o.amoLead.statusName ?? o.amoLead.statusId}` : null);
  const resp = (o: DryRunOutcome) => (o.amoLead?.responsibleUserId ? (o.amoLead.responsibleName ?? `#${o.amoLead.responsibleUserId}`) : null);
  const tags = (o: DryRunOutcome) => (o.amoLead?.tags.length ? [...o.amoLead.tags].sort().join(", ") : null);
  const notes = (o: DryRunOutcome) => (o.notes.length ? o.notes.map((n) => n.text).join(" | ") : null);
  const tasks = (o: DryRunOutcome) => (o.tasks.length ? o.tasks.map((x) => `${x.text} (${x.dueInHours} h)`).join(" | ") : null);
  const stage = (o: DryRunOutcome) => (o.lptStage ? String(o.lptStage.stageId) : null);
  const pairs: [PreviewChange["what"], (o: DryRunOutcome) => string | null][] = [
    ["stop", stop],
    ["pipeline", place],
    ["responsible", resp],
    ["tags", tags],
    ["notes", notes],
    ["tasks", tasks],
    ["lpt_stage", stage],
  ];
  for (const [what, fn] of pairs) {
    const before = fn(a);
    const after = fn(b);
    if (before !== after) out.push({ what, before, after });
  }
  return out;
}

const SOURCES_OF: Record<ReturnType<typeof factScope>, { in?: EventSource[]; notIn?: EventSource[] }> = {
  lpt: { notIn: ["amocrm", "import"] },
  amo: { in: ["amocrm"] },
  import: { in: ["import"] },
};

export function adminRuleRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.admin.accountId);
  const actor = (c: { var: AppEnv["Variables"] }) => `amo-user:${c.var.admin.userId}`;
  const ruleId = (raw: string) => {
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id <= 0) throw new Problem("rule_not_found", { id: raw });
    return id;
  };
  const saving = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RuleConflict) throw new Problem("rule_changed_meanwhile", { id: err.ruleId });
      throw err;
    }
  };

  r.get("/api/admin/rules", async (c) => {
    const tt = t(c);
    const src = await ruleSources(tt, await getMetadata(tt));
    const items: RuleView[] = (await listRules(tt)).map((rule) => {
      const issues = checkConditions(rule.trigger, rule.conditions, src);
      return { ...rule, version: rule.version ?? 1, ...(issues.length ? { issues, problems: issues.map((i) => i.message) } : {}) };
    });
    const body: RuleListResponse = { items };
    return c.json(body);
  });

  r.post("/api/admin/rules", jsonBody(ruleCreateSchema), async (c) => {
    const body = c.req.valid("json");
    const tt = t(c);
    refuseIssues(checkConditions(body.trigger, body.conditions, await saveSources(c.env, tt)));
    const rule = await createRule(tt, body, actor(c));
    await writeAudit(tt, { source: "admin", action: "rule.created", actor: actor(c), message: `Rule «${rule.name}» created (v1).`, entityType: "rule", entityId: rule.id });
    return c.json(rule, 201);
  });

  r.put("/api/admin/rules/:id", async (c) => {
    const id = ruleId(c.req.param("id"));
    const tt = t(c);
    const current = await getRule(tt, id);
    if (!current) throw new Problem("rule_not_found", { id });
    const sent: unknown = await c.req.json().catch(() => null);
    const raw = isPlainObject(sent) ? sent : null;
    // The version the editor loaded: a save over someone else's newer change is refused, not lost.
    const opened = raw?.version;
    if (typeof opened === "number" && opened !== current.version) {
      throw new Problem("rule_version_conflict", { id, current: Number(current.version), opened });
    }
    const patch = parseOr400(ruleUpdateSchema, raw === null ? null : Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "version")));
    // Trigger and actions must still fit together once merged with what is stored.
    const merged = parseOr400(ruleCreateSchema, { name: current.name, enabled: current.enabled, trigger: current.trigger, conditions: current.conditions, actions: current.actions, ...patch });
    // Switching a flagged rule off must stay possible; anything that touches its conditions is checked.
    const same = (k: "name" | "trigger" | "conditions" | "actions") => JSON.stringify(merged[k]) === JSON.stringify(current[k]);
    const onlyToggle = same("name") && same("trigger") && same("conditions") && same("actions");
    if (!onlyToggle) refuseIssues(checkConditions(merged.trigger, merged.conditions, await saveSources(c.env, tt)));
    const rule = await saving(() => updateRule(tt, id, merged, actor(c)));
    await writeAudit(tt, { source: "admin", action: "rule.updated", actor: actor(c), message: `Rule «${merged.name}» updated to v${rule?.version ?? "?"}${patch.enabled !== undefined ? ` (${patch.enabled ? "enabled" : "disabled"})` : ""}.`, entityType: "rule", entityId: id });
    return c.json(rule);
  });

  r.delete("/api/admin/rules/:id", async (c) => {
    const id = ruleId(c.req.param("id"));
    const tt = t(c);
    const current = await getRule(tt, id);
    if (!current || !(await deleteRule(tt, id, actor(c)))) throw new Problem("rule_not_found", { id });
    await writeAudit(tt, { source: "admin", action: "rule.deleted", actor: actor(c), message: `Rule «${current.name}» deleted; its history is kept and it can be restored.`, entityType: "rule", entityId: id });
    return c.body(null, 204);
  });

  r.post("/api/admin/rules/reorder", jsonBody(ruleReorderRequestSchema), async (c) => {
    const body = c.req.valid("json");
    const tt = t(c);
    const items = await reorderRules(tt, body.ids, actor(c));
    await writeAudit(tt, { source: "admin", action: "rule.reordered", actor: actor(c), message: `Rules reordered: ${items.map((x) => `«${x.name}»`).join(", ")}.` });
    return c.json({ items });
  });

  r.get("/api/admin/rules/deleted", async (c) => {
    const body: RuleHistoryResponse = { items: (await listDeletedRules(t(c))).map(versionView) };
    return c.json(body);
  });

  r.get("/api/admin/rules/:id/history", async (c) => {
    const id = ruleId(c.req.param("id"));
    const items = await listRuleVersions(t(c), id);
    if (!items.length) throw new Problem("rule_no_history", { id });
    const body: RuleHistoryResponse = { items: items.map(versionView) };
    return c.json(body);
  });

  r.post("/api/admin/rules/:id/restore", async (c) => {
    const id = ruleId(c.req.param("id"));
    const body = parseOr400(ruleRestoreRequestSchema, await c.req.json().catch(() => null));
    const tt = t(c);
    const versions = await listRuleVersions(tt, id);
    const row = versions.find((v) => v.version === body.version);
    const content = row ? versionContent(row) : null;
    if (!row || !content) throw new Problem("rule_version_not_found", { id, version: body.version });
    const input = parseOr400(ruleCreateSchema, { name: content.name, enabled: content.enabled, trigger: content.trigger, conditions: content.conditions, actions: content.actions });
    const issues = checkConditions(input.trigger, input.conditions, await saveSources(c.env, tt));
    if (issues.length) {
      throw new Problem("rule_version_invalid", { version: body.version, field: issues[0]!.path, issue: issues[0]!.message }, { field: issues[0]!.path, fieldName: issues[0]!.field, issues });
    }
    const rule = await saving(() => restoreRule(tt, id, row, input, actor(c)));
    await writeAudit(tt, { source: "admin", action: "rule.restored", actor: actor(c), message: `Rule «${rule.name}» restored from v${body.version} (now v${rule.version}).`, entityType: "rule", entityId: id });
    return c.json(rule);
  });

  async function subjectOf(tt: Tenant, body: z.output<typeof dryRunRequestSchema>): Promise<DryRunSubject> {
    if ("eventId" in body) {
      const event = await getEvent(tt, body.eventId);
      if (!event) throw new Problem("event_not_found", { id: body.eventId });
      if (event.status === "rejected") throw new Problem("rule_test_event_unreadable", { id: body.eventId });
      try {
        JSON.parse(event.payload);
      } catch {
        throw new Problem("rule_test_event_unreadable", { id: body.eventId });
      }
      const source = event.source === "amocrm" ? "amocrm" : event.source === "import" ? "import" : "lptracker";
      return { source, event };
    }
    if ("lptLeadId" in body) return { source: "lptracker", lptLeadId: body.lptLeadId };
    return { source: body.source ?? "lptracker", payload: body.payload, action: body.action };
  }

  async function runDry(env: Env, tt: Tenant, body: z.output<typeof dryRunRequestSchema>, trigger?: RuleTrigger): Promise<DryRunResult> {
    const subject = await subjectOf(tt, body);
    const wanted = body.trigger ?? trigger;
    if (wanted && factScope(wanted) !== factScope(subject.source === "amocrm" ? "amo." : subject.source === "import" ? "import" : "lpt.")) {
      throw new Problem("rule_test_wrong_trigger", { source: subject.source, trigger: wanted, field: "trigger" }, { field: "trigger" });
    }
    try {
      return await dryRun(env, tt, subject, { remote: true, trigger: wanted });
    } catch (err) {
      if (err instanceof Problem) throw err;
      if (subject.payload) throw new Problem("rule_test_payload_invalid", { source: subject.source, reason: errorText(err) });
      throw err;
    }
  }

  r.post("/api/admin/rules/dry-run", jsonBody(dryRunRequestSchema), async (c) => {
    const body = c.req.valid("json");
    return c.json(await runDry(c.env, t(c), body));
  });

  r.post("/api/admin/rules/:id/dry-run", async (c) => {
    const id = ruleId(c.req.param("id"));
    const tt = t(c);
    const rule = await getRule(tt, id);
    if (!rule) throw new Problem("rule_not_found", { id });
    const body = parseOr400(dryRunRequestSchema, await c.req.json().catch(() => null));
    // Always the whole chain: a rule alone can say "applies" where an earlier rule's stop wins.
    return c.json({ ...(await runDry(c.env, tt, body, rule.trigger)), ruleId: id });
  });

  r.post("/api/admin/rules/preview", async (c) => {
    const sent: unknown = await c.req.json().catch(() => null);
    const raw = isPlainObject(sent) ? sent : {};
    const id = raw.id === undefined || raw.id === null ? undefined : parseOr400(z.number().int().positive(), raw.id);
    const input = isPlainObject(raw.rule) ? raw.rule : {};
    // An unsaved rule may not have a name yet; everything else is checked as on save.
    const candidateInput = parseOr400(ruleCreateSchema, { ...input, name: typeof input.name === "string" && input.name.trim() ? input.name : "—" });
    const tt = t(c);
    const meta = await getMetadata(tt);
    const src = await ruleSources(tt, meta);
    refuseIssues(checkConditions(candidateInput.trigger, candidateInput.conditions, src));
    const saved = await listRules(tt);
    const flagged = saved.map((x) => {
      const issues = checkConditions(x.trigger, x.conditions, src);
      return issues.length ? { ...x, problems: issues.map((i) => i.message) } : x;
    });
    const existing = id !== undefined ? flagged.find((x) => x.id === id) : undefined;
    if (id !== undefined && !existing) throw new Problem("rule_not_found", { id });
    // A new rule goes to the end of the list, as saving it would put it; a changed one keeps its place.
    const candidate: Rule = existing
      ? { ...existing, ...candidateInput, problems: undefined, version: (existing.version ?? 1) + 1 }
      : { id: 0, position: Math.max(-1, ...saved.map((x) => x.position)) + 1, ...candidateInput, version: 1 };
    const withCandidate = existing ? flagged.map((x) => (x.id === existing.id ? candidate : x)) : [...flagged, candidate];

    const scope = factScope(candidate.trigger);
    const which = SOURCES_OF[scope];
    const rows: EventRow[] = await tt.db
      .select()
      .from(events)
      .where(
        and(
          eq(events.accountId, tt.accountId),
          ne(events.status, "rejected"),
          which.in ? inArray(events.source, which.in) : undefined,
          which.notIn ? notInArray(events.source, which.notIn) : undefined,
        ),
      )
      .orderBy(desc(events.id))
      .limit(PREVIEW_EVENTS);

    const items: PreviewItem[] = [];
    const memo = new Map<string, Promise<unknown>>();
    for (const event of rows) {
      let before: DryRunResult;
      let after: DryRunResult;
      const subject: DryRunSubject = { source: scope === "amo" ? "amocrm" : scope === "import" ? "import" : "lptracker", event };
      try {
        before = await dryRun(c.env, tt, subject, { remote: false, rules: flagged, trigger: candidate.trigger, memo });
        after = await dryRun(c.env, tt, subject, { remote: false, rules: withCandidate, trigger: candidate.trigger, memo });
      } catch (err) {
        logWarn("preview skipped an unreadable event", { eventId: event.id, error: String(err) });
        continue;
      }
      const entry = after.plan.trace.find((x) => x.ruleId === candidate.id);
      // Whether its conditions hold, judged on the event's facts even where the chain would not reach
      // it (an earlier stop) or the sync stops before any rule (an unlinked amoCRM lead).
      const matched = entry?.status === "matched" || evaluateGroup(candidate.conditions, after.facts).matched;
      items.push({
        eventId: event.id,
        source: event.source,
        action: event.action,
        externalId: event.externalId,
        receivedAt: event.receivedAt,
        matched,
        status: entry?.status ?? "not_evaluated",
        changes: outcomeChanges(before.outcome, after.outcome),
      });
    }
    const body: PreviewResponse = { total: items.length, matched: items.filter((x) => x.matched).length, applied: items.filter((x) => x.status === "matched").length, changed: items.filter((x) => x.changes.length).length, items, writes: false };
    return c.json(body);
  });

  return r;
}
