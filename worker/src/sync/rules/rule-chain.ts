// What the sync does with one event's rules, in one place for the sync jobs, the dry-run and the
// preview: load the rules flagged against the catalogue of facts, run the chain, record it in the
// audit log, and turn the chosen actions into the amoCRM lead, contact and placement to write.
import { and, eq, like } from "drizzle-orm";
import type { Tenant } from "../../db/tenant";
import { metadataCache } from "../../db/schema";
import { listProjects } from "../../db/lptracker";
import { listRules } from "../../db/rules";
import type { AuditEntry } from "../../db/audit";
import { lptProjectSchemaSchema } from "../../contracts/widget";
import { metaAmoMark } from "../run/link-meta";
import type { LptLead } from "../mapping/lpt-lead";
import { applyMapping } from "../mapping/mapping";
import { evaluateRules } from "./rules";
import { checkConditions, type CheckSources } from "./rule-check";
import type { AmoContactDraft, AmoLeadDraft } from "../mapping/amo-payload";
import type { MappingProblem } from "../mapping/mapping";
import type { AmoMetadata, Facts, MappingRow, Rule, RulePlan, RuleTrigger, StageMapEntry } from "../types";

export type Step = (e: Omit<AuditEntry, "eventId">) => Promise<void>;

/** The account's metadata and the cached LPTracker schemas of its projects (D1 only, nothing remote). */
export async function ruleSources(t: Tenant, meta: AmoMetadata | null): Promise<CheckSources> {
  const projects = (await listProjects(t)).filter((p) => p.enabled);
  const rows = await t.db
    .select()
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), like(metadataCache.kind, "lpt_project:%")));
  // A cached schema in another shape counts as not cached (the check then says the LPTracker side is partial).
  const cached = rows.flatMap((r) => lptProjectSchemaSchema.safeParse(r.data).data ?? []);
  const byProject = new Map(cached.map((s) => [s.projectId, s]));
  const schemas = projects.flatMap((p) => (byProject.has(p.projectId) ? [byProject.get(p.projectId)!] : []));
  return {
    meta: meta && meta.fetchedAt !== null ? meta : null,
    schemas,
    projects: projects.map((p) => ({ id: p.projectId, name: p.name ?? `#${p.projectId}` })),
    lptPartial: schemas.length < projects.length,
  };
}

/** Marks each rule whose conditions no longer fit the account (a field deleted, an option gone). */
export function flagRules(rules: Rule[], src: CheckSources): Rule[] {
  return rules.map((r) => {
    const issues = checkConditions(r.trigger, r.conditions, src);
    return issues.length ? { ...r, problems: issues.map((i) => i.message) } : r;
  });
}

/** The account's rules, in order, each flagged when it no longer validates. */
export async function loadRules(t: Tenant, meta: AmoMetadata | null): Promise<Rule[]> {
  return flagRules(await listRules(t), await ruleSources(t, meta));
}

/** The chain for one event. Re-exported so that every caller goes through this module. */
export function runChain(rules: Rule[], trigger: RuleTrigger, facts: Facts, previous?: Facts): RulePlan {
  return evaluateRules(rules, trigger, facts, previous);
}

const ruleRef = (e: { name: string; ruleId: number; version: number }) => `«${e.name}» (#${e.ruleId} v${e.version})`;

/**
 * Audit entries of a chain: a warning per invalid rule that would have been evaluated, the matched
 * rules with the versions that shaped the event, and the skip.
 */
export async function recordChain(step: Step, plan: RulePlan, subject: string): Promise<void> {
  for (const e of plan.trace.filter((x) => x.status === "invalid")) {
    await step({
      level: "warn",
      source: "rules",
      action: "rule.invalid",
      message: `Rule ${ruleRef(e)} skipped itself for ${subject}: ${(e.problems ?? []).join("; ")}. Fix or delete it on the Rules page.`,
      entityType: "rule",
      entityId: e.ruleId,
      data: { ruleId: e.ruleId, version: e.version, problems: e.problems ?? [] },
    });
  }
  const matched = plan.trace.filter((x) => x.status === "matched");
  if (matched.length) {
    await step({
      source: "rules",
      action: "rules.matched",
      message: `Rules matched: ${matched.map(ruleRef).join(", ")}.`,
      data: { rules: matched.map((x) => ({ id: x.ruleId, name: x.name, version: x.version })), actions: plan.actions.map((a) => a.type) },
    });
  }
  if (plan.skipped) {
    const by = plan.trace.find((x) => x.ruleId === plan.stoppedBy);
    await step({
      source: "rules",
      action: "rules.skip",
      message: `A rule said to skip ${subject}${by ? `: ${ruleRef(by)}` : ""}.`,
      entityType: "rule",
      entityId: plan.stoppedBy ?? undefined,
      data: by ? { ruleId: by.ruleId, version: by.version } : undefined,
    });
  }
}

/**
 * An import evaluates its rules once per row: an invalid `import.row` rule is reported once per
 * import (by its first chunk), not once per row.
 */
export async function recordInvalidImportRules(step: Step, rules: Rule[], importId: number): Promise<void> {
  for (const r of rules.filter((x) => x.trigger === "import.row" && x.enabled && x.problems?.length)) {
    await step({
      level: "warn",
      source: "rules",
      action: "rule.invalid",
      message: `Rule ${ruleRef({ name: r.name, ruleId: r.id, version: r.version ?? 1 })} skipped itself for import ${importId}: ${r.problems!.join("; ")}. Fix or delete it on the Rules page.`,
      entityType: "rule",
      entityId: r.id,
      data: { ruleId: r.id, version: r.version ?? 1, problems: r.problems, importId },
    });
  }
}

export interface Placement {
  pipelineId: number;
  statusId: number;
}

/** The amoCRM lead and contact an LPTracker lead becomes, before anything is looked up or written. */
export interface LptShape {
  contact: AmoContactDraft;
  lead: AmoLeadDraft;
  problems: MappingProblem[];
  /** From a rule (the last set_pipeline), else the stage map; null: the default applies to a new lead. */
  placement: Placement | null;
  placementFrom: "rule" | "stage_map" | null;
}

function stagePlacement(stageMap: StageMapEntry[], stageId: number | null): Placement | null {
  if (stageId === null) return null;
  const hit = stageMap.find((s) => s.lptStageId === stageId && s.direction !== "to_lpt");
  return hit ? { pipelineId: hit.amoPipelineId, statusId: hit.amoStatusId } : null;
}

/** Mapping first, then the rules' tags and responsible user, then where the lead goes. Pure. */
export function shapeLptLead(plan: RulePlan, facts: Facts, lead: LptLead, meta: AmoMetadata, rows: MappingRow[], stageMap: StageMapEntry[]): LptShape {
  const { contact, lead: draft, problems } = applyMapping(rows, facts, meta);
  if (!draft.name) draft.name = lead.name ?? `LPTracker #${lead.id}`;
  if (!contact.name && lead.contact.name) contact.name = lead.contact.name;
  for (const a of plan.actions) {
    if (a.type === "add_tags") draft.tags.push(...a.tags);
    if (a.type === "set_responsible") {
      draft.responsibleUserId = a.userId;
      contact.responsibleUserId ??= a.userId;
    }
  }
  const ruleTarget = [...plan.actions].reverse().find((a) => a.type === "set_pipeline");
  const stageTarget = stagePlacement(stageMap, lead.stage?.id ?? null);
  if (ruleTarget && ruleTarget.type === "set_pipeline") {
    return { contact, lead: draft, problems, placement: { pipelineId: ruleTarget.pipelineId, statusId: ruleTarget.statusId }, placementFrom: "rule" };
  }
  return { contact, lead: draft, problems, placement: stageTarget, placementFrom: stageTarget ? "stage_map" : null };
}

/**
 * Whether an amoCRM webhook item is the echo of the integration's own write: a status it wrote
 * (`amoWrote`), or an update after the rules changed the lead's responsible user or tags
 * (`amoRuleWrote`). Those rule writes never move the status, so they never echo as a `status` item:
 * the status item of the user's move that triggered them still runs its rules.
 */
export function isOwnEcho(meta: Record<string, unknown>, action: string, pipelineId: number, statusId: number): boolean {
  const same = (key: "amoWrote" | "amoRuleWrote") => {
    const x = metaAmoMark(meta, key);
    return x.pipelineId === pipelineId && x.statusId === statusId;
  };
  return same("amoWrote") || (action !== "status" && same("amoRuleWrote"));
}

/** The trigger of an amoCRM account webhook event. */
export function amoTrigger(action: string): RuleTrigger {
  return action === "status" ? "amo.lead.status_changed" : "amo.lead.updated";
}

/** What an amoCRM event's rules and the stage map ask of LPTracker and of the amoCRM lead. Pure. */
export interface AmoShape {
  lptStageId: number | null;
  stageFrom: "rule" | "stage_map" | null;
  responsibleUserId?: number;
  tags: string[];
}

export function shapeAmoEvent(plan: RulePlan, stageMap: StageMapEntry[], pipelineId: number, statusId: number): AmoShape {
  const out: AmoShape = { lptStageId: null, stageFrom: null, tags: [] };
  const entry = stageMap.find((s) => s.amoPipelineId === pipelineId && s.amoStatusId === statusId && s.direction !== "to_amo");
  if (entry) {
    out.lptStageId = entry.lptStageId;
    out.stageFrom = "stage_map";
  }
  for (const a of plan.actions) {
    if (a.type === "lpt_set_stage") {
      out.lptStageId = a.stageId;
      out.stageFrom = "rule";
    } else if (a.type === "set_responsible") out.responsibleUserId = a.userId;
    else if (a.type === "add_tags") out.tags.push(...a.tags.filter((x) => !out.tags.includes(x)));
  }
  return out;
}
