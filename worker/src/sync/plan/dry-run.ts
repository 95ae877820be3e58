// The dry-run: what the sync would do with one event now, by the sync's own steps (rule-chain.ts,
// and plan.ts for repeat requests, the responsible user and incoming leads),
// reading amoCRM and LPTracker where the sync reads them and writing nothing anywhere — no D1 row,
// no cache refresh, no amoCRM or LPTracker write.
import { and, eq } from "drizzle-orm";
import type { Env } from "../../env";
import type { Tenant } from "../../db/tenant";
import type { EventRow } from "../../db/events";
import { metadataCache } from "../../db/schema";
import { getProject } from "../../db/lptracker";
import { findLinkByLpt, findLinksByAmo } from "../../db/links";
import { getSavedMapping, getStageMap } from "../../db/mapping";
import { getMetadata } from "../../amocrm/metadata";
import { AmoClient, AmoError } from "../../amocrm/client";
import { amoLeadSchema, amoLeadsAnswerSchema } from "../../contracts/amocrm";
import { LptClient, LptError } from "../../lptracker/client";
import type { LptProjectSchema } from "../../api-types";
import { lptProjectSchemaSchema } from "../../contracts/widget";
import { payloadFields } from "../run/payload";
import { metaFacts } from "../run/link-meta";
import { leadFromCallback, updateKind } from "../intake/lpt-payload";
import { normalizeLptLead, type LptLead } from "../mapping/lpt-lead";
import { amoLeadFacts, amoPreviousFacts, factText, factTexts, importRowFacts, leadFacts } from "../rules/facts";
import { defaultMapping } from "../mapping/mapping";
import { findAmoContact } from "./contact-finder";
import { defaultPlacement } from "../run/lpt-to-amo";
import { getLeadPolicy, roundRobinUser } from "../../db/lead-policy";
import { DEFAULT_LEAD_POLICY } from "./lead-policy";
import { needsContactLeads, planAmoWrites, REPEAT_TASK_HOURS, type AmoLeadState, type WaitingEntry } from "./plan";
import { entryByLptLead, entryByUid, getUnsortedSetting, pendingEntryForPerson } from "../../db/unsorted";
import { linkUnsorted } from "./unsorted";
import { amoTrigger, isOwnEcho, loadRules, runChain, shapeAmoEvent, shapeLptLead } from "../rules/rule-chain";
import type { AmoMetadata, Rule, RulePlan, RuleTrigger } from "../types";
import type { DryRunOutcome, DryRunResult, DryRunSource } from "../../api-types";
import { errorText } from "../../lib/error-text";

export type { DryRunOutcome, DryRunResult, DryRunSource };

export interface DryRunSubject {
  source: DryRunSource;
  /** A stored event (its payload, project and action). */
  event?: EventRow;
  /** A pasted payload: an LPTracker lead, an amoCRM lead as its webhook sends it, or an import row. */
  payload?: Record<string, unknown>;
  /** An LPTracker lead read now, as the sync reads it. */
  lptLeadId?: number;
  /** Only for pasted amoCRM payloads: a status change or an update. */
  action?: string;
}

export interface DryRunOptions {
  /** Rules to use instead of the saved ones (the preview of an unsaved rule). */
  rules?: Rule[];
  /** Read amoCRM and LPTracker (lead re-read, linked lead, contact search); off for bulk previews. */
  remote: boolean;
  /** The trigger to judge by, when the caller wants one (the preview of a rule). */
  trigger?: RuleTrigger;
  /** Shared across many dry-runs of one request: account-wide reads are done once. */
  memo?: Map<string, Promise<unknown>>;
}

function once<T>(opts: DryRunOptions, key: string, read: () => Promise<T>): Promise<T> {
  if (!opts.memo) return read();
  let hit = opts.memo.get(key) as Promise<T> | undefined;
  if (!hit) opts.memo.set(key, (hit = read()));
  return hit;
}

/** The trigger asked for, saying so when the sync itself would use another one for this event now. */
function judgedAs(opts: DryRunOptions, own: RuleTrigger, notes: string[]): RuleTrigger {
  if (!opts.trigger || opts.trigger === own) return own;
  notes.push(`Judged as «${opts.trigger}»; replayed now, the sync would treat this event as «${own}».`);
  return opts.trigger;
}

const emptyOutcome = (): DryRunOutcome => ({ stop: null, amoLead: null, contact: null, notes: [], tasks: [], lptStage: null, mappingProblems: [] });

/** The cached LPTracker schema of a project, without fetching: a dry-run neither calls out for it nor refreshes the cache. */
export async function cachedSchema(t: Tenant, projectId: number | null): Promise<LptProjectSchema | null> {
  if (!projectId) return null;
  const rows = await t.db
    .select()
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, `lpt_project:${projectId}`)))
    .limit(1);
  return lptProjectSchemaSchema.safeParse(rows[0]?.data).data ?? null;
}

function placementNames(meta: AmoMetadata, pipelineId: number | null, statusId: number | null) {
  const p = meta.pipelines.find((x) => x.id === pipelineId);
  const s = p?.statuses.find((x) => x.id === statusId);
  return { pipelineName: p?.name, statusName: s?.name };
}

function ruleFollowUps(plan: RulePlan, meta: AmoMetadata, out: DryRunOutcome): void {
  for (const a of plan.actions) {
    if (a.type === "add_note") out.notes.push({ text: a.text, ruleId: a.ruleId });
    if (a.type === "create_task") {
      out.tasks.push({
        text: a.text,
        taskTypeId: a.taskTypeId,
        taskTypeName: meta.taskTypes.find((x) => x.id === a.taskTypeId)?.name,
        dueInHours: a.dueInHours,
        ...(a.responsibleUserId ? { responsibleUserId: a.responsibleUserId } : {}),
        ruleId: a.ruleId,
      });
    }
  }
}

function skipStop(plan: RulePlan): DryRunOutcome["stop"] {
  const by = plan.trace.find((x) => x.ruleId === plan.stoppedBy);
  return { kind: "skip", reason: `the rule «${by?.name ?? plan.stoppedBy}» says to skip this event`, ruleId: plan.stoppedBy ?? undefined };
}

interface LeadRead {
  lead: LptLead | null;
  stop?: string;
}

async function readLptLead(env: Env, t: Tenant, subject: DryRunSubject, remote: boolean, notes: string[]): Promise<LeadRead> {
  const id = subject.lptLeadId ?? (subject.event?.externalId ? Number(subject.event.externalId) : null);
  if (remote && id) {
    try {
      const lead = normalizeLptLead(await new LptClient(env, t.accountId).lead(id));
      notes.push(`LPTracker lead ${id} was read from LPTracker now, as the sync reads it.`);
      return { lead };
    } catch (err) {
      if (err instanceof LptError && err.kind === "api" && err.code === 404) return { lead: null, stop: `LPTracker has no lead ${id} any more; the sync would do nothing` };
      if (!subject.event && !subject.payload) throw err;
      notes.push(`LPTracker could not be read (${errorText(err)}); the event's stored payload was used instead.`);
    }
  }
  const payload = subject.payload ?? (subject.event ? payloadFields(subject.event.payload) : null);
  if (!payload) return { lead: null, stop: "nothing to read" };
  return { lead: normalizeLptLead(payload) };
}

async function dryRunLpt(env: Env, t: Tenant, subject: DryRunSubject, opts: DryRunOptions, meta: AmoMetadata, notes: string[]): Promise<DryRunResult> {
  const out = emptyOutcome();
  const nothing = (reason: string): DryRunResult => ({ source: "lptracker", trigger: null, plan: { actions: [], matched: [], skipped: false, stoppedBy: null, trace: [] }, facts: {}, outcome: { ...out, stop: { kind: "nothing", reason } }, notes, writes: false });
  if (subject.event?.action === "delete") return nothing("the lead was deleted in LPTracker; the sync keeps amoCRM as it is");
  const read = await readLptLead(env, t, subject, opts.remote, notes);
  if (!read.lead) return nothing(read.stop ?? "no lead");
  const lead = read.lead;
  const projectId = lead.projectId ?? subject.event?.projectId ?? null;
  const project = projectId ? await once(opts, `project:${projectId}`, () => getProject(t, projectId)) : null;
  const schema = await once(opts, `schema:${projectId}`, () => cachedSchema(t, projectId));
  const facts = leadFacts(lead, { projectName: project?.name ?? null, stages: schema?.stages, customs: schema?.customs });
  const link = await once(opts, `link:${lead.id}`, () => findLinkByLpt(t, "lead", lead.id));
  const previous = link ? metaFacts(link.meta) : undefined;
  // The sync's own order: a complete callback newer than what it last applied, which only echoes
  // our stage write or changes nothing we sync, stops before the rules (sync/intake/lpt-payload.ts).
  const event = subject.event;
  if (event?.source === "lptracker" && link && previous && event.externalId === String(lead.id)) {
    const callback = leadFromCallback(event.payload, typeof link.meta.lptAt === "number" ? link.meta.lptAt : null);
    const kind = callback ? updateKind(previous, leadFacts(callback, { projectName: project?.name ?? null, stages: schema?.stages, customs: schema?.customs }), typeof link.meta.lptWroteStage === "number" ? link.meta.lptWroteStage : null) : null;
    if (kind === "echo") return nothing(`LPTracker lead ${lead.id} moved to the stage the integration wrote itself; the sync skips the echo`);
    if (kind === "unchanged") return nothing(`nothing the sync maps has changed in LPTracker lead ${lead.id}; the sync leaves amoCRM as it is`);
  }
  const trigger: RuleTrigger = judgedAs(opts, link ? "lpt.lead.updated" : "lpt.lead.created", notes);
  const plan = runChain(opts.rules ?? (await loadRules(t, meta)), trigger, facts, previous);
  const result: DryRunResult = { source: "lptracker", trigger, plan, facts, outcome: out, notes, writes: false };
  if (plan.skipped) {
    out.stop = skipStop(plan);
    return result;
  }
  const saved = projectId ? await once(opts, `mapping:${projectId}`, () => getSavedMapping(t, projectId)) : null;
  const stageMap = projectId ? await once(opts, `stages:${projectId}`, () => getStageMap(t, projectId)) : [];
  const shape = shapeLptLead(plan, facts, lead, meta, saved?.rows ?? defaultMapping(meta), stageMap);
  out.mappingProblems = shape.problems.map((p) => `${p.rowId}: ${p.reason}`);
  ruleFollowUps(plan, meta, out);
  const responsible = shape.lead.responsibleUserId;
  const common = {
    name: shape.lead.name,
    responsibleUserId: responsible,
    responsibleName: responsible ? meta.users.find((u) => u.id === responsible)?.name : undefined,
    tags: [...new Set(shape.lead.tags)],
    customFields: shape.lead.customFields.length,
  };
  const person = { name: shape.contact.name, phones: lead.contact.phones, emails: lead.contact.emails };
  const amo = opts.remote ? new AmoClient(env, t.accountId) : null;

  // An entry in amoCRM's incoming leads: the manager's decision rules, as in the sync's plan.
  const linkState = link ? linkUnsorted(link) : null;
  if (link && (linkState?.state === "pending" || linkState?.state === "declined")) {
    const entry = linkState.state === "pending" ? await entryByUid(t, linkState.uid) : null;
    const decided = planAmoWrites({
      lead,
      link: { amoId: link.amoId, attached: link.meta.attached === true },
      contactDraft: shape.contact,
      leadDraft: shape.lead,
      placement: shape.placement,
      defaultPlacement: defaultPlacement(meta),
      stageChanged: false,
      policy: DEFAULT_LEAD_POLICY,
      meta,
      now: Date.now(),
      linkUnsorted: linkState,
      waiting: { uid: linkState.uid, amoLeadId: linkState.leadId, amoContactId: entry?.amoContactId ?? null, own: false },
    });
    out.unsorted = decided.unsorted;
    if (decided.unsorted.outcome === "declined") {
      out.stop = { kind: "nothing", reason: `LPTracker lead ${lead.id} was declined in amoCRM's incoming leads; the sync creates nothing in amoCRM` };
      return result;
    }
    out.amoLead = { action: "unsorted_note", id: Number(linkState.leadId), name: shape.lead.name, pipelineId: null, statusId: null, placementFrom: "unchanged", tags: [], customFields: 0 };
    out.contact = { action: "linked", ...(entry?.amoContactId ? { id: Number(entry.amoContactId) } : {}), ...person };
    return result;
  }

  if (link) {
    const existing = amo
      ? await amo.read(amoLeadSchema, `/api/v4/leads/${link.amoId}`, { with: "contacts" }).catch((err: unknown) => {
          if (err instanceof AmoError && err.status === 404) return null;
          throw err;
        })
      : undefined;
    if (existing !== null) {
      const stageChanged = previous?.["stage.id"] !== facts["stage.id"];
      // A repeat request added to an open lead leaves that lead as it is (sync/plan/plan.ts).
      const attached = link.meta.attached === true;
      if (attached) notes.push(`LPTracker lead ${lead.id} was a repeat request added to amoCRM lead ${link.amoId}; the sync leaves that lead's fields and stage alone.`);
      const moves = !attached && !!shape.placement && stageChanged && (!existing || existing.pipeline_id !== shape.placement.pipelineId || existing.status_id !== shape.placement.statusId);
      const pipelineId = moves ? shape.placement!.pipelineId : null;
      const statusId = moves ? shape.placement!.statusId : null;
      out.amoLead = attached
        ? { action: "update", id: Number(link.amoId), pipelineId: null, statusId: null, placementFrom: "unchanged", tags: [], customFields: 0 }
        : { action: "update", id: Number(link.amoId), ...common, pipelineId, statusId, ...placementNames(meta, pipelineId, statusId), placementFrom: moves ? shape.placementFrom! : "unchanged" };
      const contactId = existing?._embedded?.contacts?.find((c) => c.is_main)?.id ?? existing?._embedded?.contacts?.[0]?.id;
      out.contact = { action: "linked", ...(contactId ? { id: contactId } : {}), ...person };
      if (!amo) notes.push(`amoCRM was not read: the linked lead ${link.amoId} would be updated; its stage moves only if the LPTracker stage changed.`);
      return result;
    }
    notes.push(`The linked amoCRM lead ${link.amoId} no longer exists; the sync would create a new one.`);
  }
  const placement = shape.placement ?? defaultPlacement(meta);
  const from = shape.placement ? shape.placementFrom! : "default";
  out.amoLead = { action: "create", ...common, pipelineId: placement?.pipelineId ?? null, statusId: placement?.statusId ?? null, ...placementNames(meta, placement?.pipelineId ?? null, placement?.statusId ?? null), placementFrom: from };
  if (!placement) out.stop = { kind: "nothing", reason: "the amoCRM account has no pipeline with an open status to put the lead in; the sync would fail" };
  const policy = projectId ? await once(opts, `policy:${projectId}`, () => getLeadPolicy(t, projectId)) : { ...DEFAULT_LEAD_POLICY, rrNext: 0 };
  // Incoming leads, read as the sync reads them: the setting, then this lead's or the person's waiting entry.
  const setting = !link && projectId ? await once(opts, `unsorted:${projectId}`, () => getUnsortedSetting(t, projectId)) : null;
  let waiting: WaitingEntry | null = null;
  if (setting && projectId && meta.pipelines.some((p) => p.id === setting.pipelineId)) {
    const own = await entryByLptLead(t, String(lead.id));
    const keys = [...lead.contact.phones.map((p) => `phone:${p}`), ...lead.contact.emails.map((e) => `email:${e}`)];
    const entry = own?.state === "pending" ? own : await pendingEntryForPerson(t, projectId, keys);
    waiting = entry ? { uid: entry.uid, amoLeadId: entry.amoLeadId, amoContactId: entry.amoContactId, own: entry === own } : null;
  }
  let found: Awaited<ReturnType<typeof findAmoContact>> | undefined;
  let contactLeads: AmoLeadState[] | undefined;
  if (amo) {
    found = await findAmoContact(amo, lead.contact.phones, lead.contact.emails);
    out.contact = found ? { action: "found", id: found.contact.id, by: found.by, ...person } : { action: "create", ...person };
    const ids = (found?.contact._embedded?.leads ?? []).map((l) => l.id).sort((a, b) => b - a).slice(0, 50);
    if (found && needsContactLeads(policy) && ids.length) {
      const body = await amo.read(amoLeadsAnswerSchema, "/api/v4/leads", { "filter[id][]": ids, limit: 250 });
      contactLeads = body?._embedded?.leads ?? [];
    }
  } else {
    out.contact = { action: "search", ...person };
    if (needsContactLeads(policy)) notes.push(`Repeat requests («${policy.repeatMode}») are judged on the contact's amoCRM leads, which were not read.`);
  }
  // The sync's own plan step decides repeat requests and the responsible user (sync/plan/plan.ts).
  if (placement || setting || (found && needsContactLeads(policy))) {
    const ruleResponsible = [...plan.actions].reverse().find((a) => a.type === "set_responsible");
    const decided = (() => {
      try {
        return planAmoWrites({
          lead,
          link: null,
          contactDraft: shape.contact,
          leadDraft: shape.lead,
          placement: shape.placement,
          defaultPlacement: defaultPlacement(meta),
          stageChanged: false,
          found: amo ? (found ?? null) : null,
          contactLeads,
          policy,
          ruleResponsibleUserId: ruleResponsible?.type === "set_responsible" ? ruleResponsible.userId : undefined,
          meta,
          now: Date.now(),
          unsorted: setting ? { pipelineId: setting.pipelineId } : null,
          waiting,
        });
      } catch {
        return null;
      }
    })();
    if (decided) {
      out.repeat = amo || policy.repeatMode === "new" ? decided.repeat : null;
      if (decided.unsorted.outcome !== "off") out.unsorted = decided.unsorted;
      const attach = decided.ops.find((o) => o.kind === "attach_repeat");
      const entryOp = decided.ops.find((o) => o.kind === "create_unsorted" || o.kind === "join_unsorted");
      if (entryOp?.kind === "create_unsorted") {
        out.stop = null;
        out.amoLead = { action: "unsorted", name: shape.lead.name, pipelineId: entryOp.pipelineId, statusId: null, ...placementNames(meta, entryOp.pipelineId, null), placementFrom: "unchanged", tags: [...new Set(shape.lead.tags)], customFields: shape.lead.customFields.length };
        // The entry carries its own contact; amoCRM makes it when the entry is posted.
        out.contact = { action: "create", ...person };
      } else if (entryOp?.kind === "join_unsorted") {
        out.stop = null;
        out.amoLead = { action: "unsorted_note", id: entryOp.leadId, name: shape.lead.name, pipelineId: null, statusId: null, placementFrom: "unchanged", tags: [], customFields: 0 };
        out.contact = { action: "linked", ...(entryOp.contactId ? { id: entryOp.contactId } : {}), ...person };
      } else if (attach && attach.kind === "attach_repeat") {
        out.stop = null;
        out.amoLead = { action: "attach", id: attach.leadId, name: shape.lead.name, pipelineId: attach.status.pipelineId, statusId: attach.status.statusId, ...placementNames(meta, attach.status.pipelineId, attach.status.statusId), placementFrom: "unchanged", responsibleUserId: attach.task.responsibleUserId ?? undefined, responsibleName: attach.task.responsibleUserId ? meta.users.find((u) => u.id === attach.task.responsibleUserId)?.name : undefined, tags: [], customFields: 0 };
        out.notes.unshift({ text: attach.note, ruleId: 0 });
        out.tasks.unshift({ text: attach.task.text, taskTypeId: attach.task.taskTypeId, taskTypeName: meta.taskTypes.find((x) => x.id === attach.task.taskTypeId)?.name, dueInHours: REPEAT_TASK_HOURS, ...(attach.task.responsibleUserId ? { responsibleUserId: attach.task.responsibleUserId } : {}), ruleId: 0 });
      } else if (decided.responsible && out.amoLead) {
        const r = decided.responsible;
        // The round-robin is only peeked at: the dry-run takes no slot.
        const userId = r.from === "round_robin" ? roundRobinUser(r.users, policy.rrNext + 1) : r.from === "none" ? undefined : r.userId;
        out.assignment = { from: r.from, ...(userId ? { userId, userName: meta.users.find((u) => u.id === userId)?.name } : {}) };
        if (userId) Object.assign(out.amoLead, { responsibleUserId: userId, responsibleName: meta.users.find((u) => u.id === userId)?.name });
      }
    }
  }
  return result;
}

async function dryRunAmo(t: Tenant, subject: DryRunSubject, opts: DryRunOptions, meta: AmoMetadata, notes: string[]): Promise<DryRunResult> {
  const out = emptyOutcome();
  const payload = subject.payload ?? payloadFields(subject.event!.payload);
  const action = subject.event?.action ?? subject.action ?? (payload.old_status_id !== undefined ? "status" : "update");
  const trigger = judgedAs(opts, amoTrigger(action), notes);
  const facts = amoLeadFacts(payload, { meta });
  const empty: RulePlan = { actions: [], matched: [], skipped: false, stoppedBy: null, trace: [] };
  const result: DryRunResult = { source: "amocrm", trigger, plan: empty, facts, outcome: out, notes, writes: false };
  const amoLeadId = String(payload.id ?? subject.event?.externalId ?? "");
  const statusId = Number(payload.status_id);
  const pipelineId = Number(payload.pipeline_id);
  const [link] = amoLeadId ? await findLinksByAmo(t, "lead", [amoLeadId]) : [];
  // The sync's own order: an unlinked lead, a webhook without a status and an echo stop before the rules.
  if (!link) {
    out.stop = { kind: "nothing", reason: `amoCRM lead ${amoLeadId || "?"} is not linked to an LPTracker lead; the sync does nothing with it` };
    return result;
  }
  if (!statusId || !pipelineId) {
    out.stop = { kind: "nothing", reason: "the webhook carried no status; the sync does nothing with it" };
    return result;
  }
  if (isOwnEcho(link.meta, action, pipelineId, statusId)) {
    out.stop = { kind: "nothing", reason: `status ${statusId} is the integration's own write; the sync skips the echo` };
    return result;
  }
  result.plan = runChain(opts.rules ?? (await loadRules(t, meta)), trigger, facts, amoPreviousFacts(payload));
  if (result.plan.skipped) {
    out.stop = skipStop(result.plan);
    return result;
  }
  const projectId = link.projectId;
  const shape = shapeAmoEvent(result.plan, projectId ? await once(opts, `stages:${projectId}`, () => getStageMap(t, projectId)) : [], pipelineId, statusId);
  ruleFollowUps(result.plan, meta, out);
  if (shape.responsibleUserId !== undefined || shape.tags.length) {
    out.amoLead = {
      action: "update",
      id: Number(amoLeadId),
      pipelineId: null,
      statusId: null,
      placementFrom: "unchanged",
      responsibleUserId: shape.responsibleUserId,
      responsibleName: shape.responsibleUserId ? meta.users.find((u) => u.id === shape.responsibleUserId)?.name : undefined,
      tags: shape.tags,
      customFields: 0,
    };
  }
  if (shape.lptStageId !== null) {
    out.lptStage = { leadId: link.lptId, stageId: shape.lptStageId, from: shape.stageFrom!, alreadyThere: link.meta.lptStage === shape.lptStageId };
  }
  return result;
}

function dryRunImport(subject: DryRunSubject, opts: DryRunOptions, rules: Rule[], meta: AmoMetadata, notes: string[]): DryRunResult {
  const out = emptyOutcome();
  const payload = subject.payload ?? payloadFields(subject.event!.payload);
  const facts = importRowFacts(payload);
  const trigger = opts.trigger ?? "import.row";
  const plan = runChain(rules, trigger, facts);
  const result: DryRunResult = { source: "import", trigger, plan, facts, outcome: out, notes, writes: false };
  if (plan.skipped) {
    out.stop = skipStop(plan);
    return result;
  }
  ruleFollowUps(plan, meta, out);
  const ruleTarget = [...plan.actions].reverse().find((a) => a.type === "set_pipeline");
  const placement = ruleTarget && ruleTarget.type === "set_pipeline" ? { pipelineId: ruleTarget.pipelineId, statusId: ruleTarget.statusId } : defaultPlacement(meta);
  const responsible = [...plan.actions].reverse().find((a) => a.type === "set_responsible");
  const responsibleUserId = responsible && responsible.type === "set_responsible" ? responsible.userId : undefined;
  out.amoLead = {
    action: "create",
    pipelineId: placement?.pipelineId ?? null,
    statusId: placement?.statusId ?? null,
    ...placementNames(meta, placement?.pipelineId ?? null, placement?.statusId ?? null),
    placementFrom: ruleTarget ? "rule" : "default",
    responsibleUserId,
    responsibleName: responsibleUserId ? meta.users.find((u) => u.id === responsibleUserId)?.name : undefined,
    tags: [...new Set(plan.actions.flatMap((a) => (a.type === "add_tags" ? a.tags : [])))],
    customFields: 0,
  };
  const phones = factTexts(facts, "contact.phone");
  const emails = factTexts(facts, "contact.email");
  out.contact = { action: "search", name: factText(facts, "contact.name"), phones, emails };
  notes.push("An import row's contact is matched when the file is processed (by phone, then e-mail).");
  return result;
}

/** What the sync would do with this subject now. Reads only; see the module comment. */
export async function dryRun(env: Env, t: Tenant, subject: DryRunSubject, opts: DryRunOptions): Promise<DryRunResult> {
  const meta = await once(opts, "meta", () => getMetadata(t));
  const notes: string[] = [];
  if (meta.fetchedAt === null) notes.push("amoCRM metadata has not been loaded yet: names of pipelines, users and fields are missing.");
  if (subject.source === "amocrm") return dryRunAmo(t, subject, opts, meta, notes);
  if (subject.source === "import") return dryRunImport(subject, opts, opts.rules ?? (await loadRules(t, meta)), meta, notes);
  return dryRunLpt(env, t, subject, opts, meta, notes);
}
