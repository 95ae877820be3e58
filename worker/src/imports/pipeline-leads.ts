// One chunk of a leads import: each row's facts through the `import.row` rules and the account's
// mapping, then `POST /api/v4/leads/complex` 50 leads at a time (a new contact embedded, an
// existing one as {id}), rows marked as each batch returns; notes and tasks from rules follow in
// batches of their own.
import type { Env } from "../env";
import type { Tenant } from "../db/tenant";
import { getMetadata, fetchMetadata, storeMetadata } from "../amocrm/metadata";
import { getSavedMapping } from "../db/mapping";
import { followUpRows, importRunnable, pendingChunkRows, recordBatch, setRowData, type BatchOutcome, type ImportRow, type ImportRowRecord } from "../db/imports";
import { importRowFacts } from "../sync/rules/facts";
import { writeAudit } from "../db/audit";
import { loadRules, recordInvalidImportRules, runChain } from "../sync/rules/rule-chain";
import { applyMapping, defaultMapping } from "../sync/mapping/mapping";
import { complexLeadBody, emptyContactDraft, type AmoContactDraft, type AmoLeadDraft } from "../sync/mapping/amo-payload";
import { findAmoContact } from "../sync/plan/contact-finder";
import { defaultPlacement } from "../sync/run/lpt-to-amo";
import type { AmoMetadata, Facts, MappingRow, Rule } from "../sync/types";
import { rowToRecord } from "./detect";
import type { NormalizedImportRow } from "./types";
import { AMO_BATCH, type FollowUp, type ImportPlan, type StoredRow } from "./pipeline-rows";
import { rethrowUnlessBatchProblem, validationErrors, type CountingAmoClient } from "./pipeline-amo";
import { LANES_PER_CHUNK, runLanes } from "./pipeline-lanes";
import { loadContactIndex, matchContact } from "./pipeline-lookup";
import { codedText, type CodedText } from "../lib/errors";
import { amoComplexAnswerSchema } from "../contracts/amocrm";

export interface ChunkContext {
  env: Env;
  t: Tenant;
  imp: ImportRow;
  plan: ImportPlan;
  amo: CountingAmoClient;
}

export interface ChunkResult {
  /** The import left `processing` (cancelled or failed) before the chunk was through. */
  stopped: boolean;
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Mapping rows that could not be applied, once each, for the audit log. */
  problems: string[];
}

interface LeadSetup {
  meta: AmoMetadata;
  rules: Rule[];
  mapping: MappingRow[];
  placement: { pipelineId: number; statusId: number };
}

async function leadSetup(ctx: ChunkContext): Promise<LeadSetup> {
  let meta = await getMetadata(ctx.t);
  if (meta.fetchedAt === null) {
    const fetched = await fetchMetadata(ctx.amo);
    await storeMetadata(ctx.t, fetched.meta);
    meta = { ...fetched.meta, fetchedAt: Date.now() };
  }
  const placement = defaultPlacement(meta);
  if (!placement) throw new Error("The amoCRM account has no pipeline with an open status to put the leads in.");
  const saved = ctx.plan.projectId ? await getSavedMapping(ctx.t, ctx.plan.projectId) : null;
  // Flagged against the account like the sync's: a rule naming a deleted field skips itself.
  return { meta, rules: await loadRules(ctx.t, meta), mapping: saved?.rows ?? defaultMapping(meta), placement };
}

/** The row's cells as `column:<header>` facts, with the person taken from the columns the admin chose. */
export function leadRowFacts(headers: string[], values: unknown[], row: NormalizedImportRow): Facts {
  const facts = importRowFacts(rowToRecord(headers, values));
  for (const key of ["contact.phone", "contact.phones", "contact.email", "contact.emails", "contact.name"]) delete facts[key];
  if (row.phones.length) {
    facts["contact.phone"] = [...row.phones];
    facts["contact.phones"] = [...row.phones];
  }
  if (row.email) {
    facts["contact.email"] = [row.email];
    facts["contact.emails"] = [row.email];
  }
  if (row.name) facts["contact.name"] = row.name;
  return facts;
}

interface PlannedLead {
  rec: ImportRowRecord;
  row: NormalizedImportRow;
  lead: AmoLeadDraft;
  contact: AmoContactDraft;
  placement: { pipelineId: number; statusId: number };
  followUp: Omit<FollowUp, "leadId"> | null;
  contactId: number | null;
}

type Planned = { skip: CodedText } | PlannedLead;

function planRow(setup: LeadSetup, headers: string[], rec: ImportRowRecord, problems: Set<string>): Planned {
  const row = rec.data.row!;
  const facts = leadRowFacts(headers, rec.data.values, row);
  const plan = runChain(setup.rules, "import.row", facts);
  if (plan.skipped) {
    const rule = plan.trace.find((r) => r.ruleId === plan.stoppedBy)?.name ?? String(plan.stoppedBy);
    return { skip: codedText("import_row_skipped_by_rule", { row: rec.rowNumber, rule }) };
  }
  const { contact, lead, problems: mappingProblems } = applyMapping(setup.mapping, facts, setup.meta);
  for (const p of mappingProblems) problems.add(`${p.rowId}: ${p.reason}`);
  // Whatever the mapping says, a new contact keeps the phone and e-mail: they are how the next
  // import and the LPTracker sync find this person again.
  if (contact.phones.length === 0) contact.phones = row.phones.map((value) => ({ value, enumCode: "WORK" }));
  if (contact.emails.length === 0 && row.email) contact.emails = [{ value: row.email, enumCode: "WORK" }];
  if (!contact.name && row.name) contact.name = row.name;
  if (!lead.name) lead.name = row.name ?? row.phone ?? row.email ?? `Строка ${rec.rowNumber}`;
  let placement = setup.placement;
  const followUp: Omit<FollowUp, "leadId"> = { notes: [], tasks: [] };
  for (const a of plan.actions) {
    if (a.type === "add_tags") lead.tags.push(...a.tags);
    else if (a.type === "set_responsible") {
      lead.responsibleUserId = a.userId;
      contact.responsibleUserId ??= a.userId;
    } else if (a.type === "set_pipeline") placement = { pipelineId: a.pipelineId, statusId: a.statusId };
    else if (a.type === "add_note") followUp.notes.push(a.text);
    else if (a.type === "create_task") followUp.tasks.push({ text: a.text, taskTypeId: a.taskTypeId, dueInHours: a.dueInHours, ...(a.responsibleUserId ? { responsibleUserId: a.responsibleUserId } : {}) });
  }
  const owed = followUp.notes.length || followUp.tasks.length ? followUp : null;
  return { rec, row, lead, contact, placement, followUp: owed, contactId: null };
}

function complexItem(p: PlannedLead): Record<string, unknown> {
  if (p.contactId !== null) {
    const { body } = complexLeadBody(p.lead, emptyContactDraft(), p.placement);
    body._embedded = { ...body._embedded, contacts: [{ id: p.contactId }] };
    return { ...body, request_id: String(p.rec.id) };
  }
  const { body } = complexLeadBody(p.lead, p.contact, p.placement);
  return { ...body, request_id: String(p.rec.id) };
}

function refusedByAmo(rowNumber: number, detail: string): CodedText {
  return codedText("import_row_refused_by_amo", { row: rowNumber, detail });
}

/**
 * Sends one batch. A validation answer names the bad items: those rows fail with amoCRM's words
 * and the rest is sent once more; any other refusal fails the whole batch with its reason.
 */
async function sendBatch(ctx: ChunkContext, batch: PlannedLead[], outcome: BatchOutcome): Promise<{ planned: PlannedLead; leadId: number }[]> {
  let items = batch;
  for (let attempt = 0; items.length > 0; attempt++) {
    try {
      const answer = await ctx.amo.send(amoComplexAnswerSchema, "POST", "/api/v4/leads/complex", items.map(complexItem));
      const byRequest = new Map<string, (typeof answer)[number]>();
      for (const r of answer) {
        const rid = Array.isArray(r.request_id) ? r.request_id[0] : r.request_id;
        if (rid !== undefined && rid !== null) byRequest.set(String(rid), r);
      }
      const made: { planned: PlannedLead; leadId: number }[] = [];
      items.forEach((p, i) => {
        const hit = byRequest.get(String(p.rec.id)) ?? (answer.length === items.length ? answer[i] : undefined);
        if (hit?.id) made.push({ planned: p, leadId: hit.id });
        else outcome.refused.push({ id: p.rec.id, status: "failed", error: refusedByAmo(p.rec.rowNumber, "no lead id in the answer") });
      });
      return made;
    } catch (err) {
      const amoErr = rethrowUnlessBatchProblem(err);
      const bad = amoErr.status === 400 ? validationErrors(amoErr) : new Map<string, string>();
      const named = items.filter((p) => bad.has(String(p.rec.id)));
      if (named.length === 0 || attempt > 0) {
        for (const p of items) outcome.refused.push({ id: p.rec.id, status: "failed", error: refusedByAmo(p.rec.rowNumber, bad.get(String(p.rec.id)) ?? amoErr.message) });
        return [];
      }
      for (const p of named) outcome.refused.push({ id: p.rec.id, status: "failed", error: refusedByAmo(p.rec.rowNumber, bad.get(String(p.rec.id))!) });
      items = items.filter((p) => !bad.has(String(p.rec.id)));
    }
  }
  return [];
}

/**
 * Posts owed notes and tasks, whole rows per request (≤ 50 items), forgetting each part as soon as
 * amoCRM took it, so a retried chunk never posts it twice.
 */
async function postFollowUps(ctx: ChunkContext, rows: { id: number; data: StoredRow }[]): Promise<void> {
  const send = async (kind: "notes" | "tasks") => {
    const owing = rows.filter((r) => (r.data.followUp?.[kind].length ?? 0) > 0);
    let group: typeof owing = [];
    let size = 0;
    const flush = async () => {
      if (!group.length) return;
      const items = group.flatMap((r): Record<string, unknown>[] => {
        const f = r.data.followUp!;
        if (kind === "notes") return f.notes.map((text) => ({ entity_id: f.leadId, note_type: "common", params: { text } }));
        return f.tasks.map((task) => ({
          text: task.text,
          complete_till: Math.floor(Date.now() / 1000) + Math.round(task.dueInHours * 3600),
          entity_id: f.leadId,
          entity_type: "leads",
          task_type_id: task.taskTypeId,
          ...(task.responsibleUserId ? { responsible_user_id: task.responsibleUserId } : {}),
        }));
      });
      try {
        await ctx.amo.post(kind === "notes" ? "/api/v4/leads/notes" : "/api/v4/tasks", items);
      } catch (err) {
        // A refused note or task is not worth failing the lead over; it is dropped and counted below.
        rethrowUnlessBatchProblem(err);
      }
      for (const r of group) {
        const f = r.data.followUp!;
        const rest = { ...f, [kind]: [] };
        r.data = rest.notes.length || rest.tasks.length ? { ...r.data, followUp: rest } : withoutFollowUp(r.data);
      }
      await setRowData(ctx.t, ctx.imp.id, group);
      group = [];
      size = 0;
    };
    for (const r of owing) {
      const n = r.data.followUp![kind].length;
      if (size + n > AMO_BATCH) await flush();
      group.push(r);
      size += n;
    }
    await flush();
  };
  await send("notes");
  await send("tasks");
}

function withoutFollowUp(data: StoredRow): StoredRow {
  const { followUp: _done, ...rest } = data;
  return rest;
}

/** Processes the pending rows of one chunk, checking before each batch that the import still runs. */
export async function processLeadChunk(ctx: ChunkContext, chunk: number): Promise<ChunkResult> {
  const result: ChunkResult = { stopped: false, rows: 0, created: 0, updated: 0, skipped: 0, failed: 0, problems: [] };
  const owed = await followUpRows(ctx.t, ctx.imp.id, chunk);
  if (owed.length) await postFollowUps(ctx, owed);
  const pending = await pendingChunkRows(ctx.t, ctx.imp.id, chunk);
  if (pending.length === 0) return result;
  const setup = await leadSetup(ctx);
  if (chunk === 0) await recordInvalidImportRules((e) => writeAudit(ctx.t, e), setup.rules, ctx.imp.id);
  const problems = new Set<string>();
  // Rows are matched with the contact list the parse job read; should that be gone, each row is
  // searched instead: dearer, but nobody is created twice.
  const index = ctx.plan.lookup?.strategy === "prefetch" ? await loadContactIndex(ctx.env, ctx.t.accountId, ctx.imp.id) : null;
  const byQuery = ctx.plan.lookup?.strategy === "query" || (ctx.plan.lookup?.strategy === "prefetch" && !index);
  let owing: { id: number; data: StoredRow }[] = [];

  const batches = Math.ceil(pending.length / AMO_BATCH);
  await runLanes(batches, LANES_PER_CHUNK, async (b) => {
    if (!(await importRunnable(ctx.t, ctx.imp.id))) {
      result.stopped = true;
      return false;
    }
    const outcome: BatchOutcome = { done: [], refused: [] };
    const batch: PlannedLead[] = [];
    for (const rec of pending.slice(b * AMO_BATCH, (b + 1) * AMO_BATCH)) {
      const planned = rec.data.row ? planRow(setup, ctx.imp.headers, rec, problems) : { skip: codedText("import_row_no_data", { row: rec.rowNumber }) };
      if ("skip" in planned) outcome.refused.push({ id: rec.id, status: "skipped", error: planned.skip });
      else batch.push(planned);
    }
    if (index) {
      for (const p of batch) p.contactId = matchContact(index, p.row);
    }
    if (byQuery) {
      for (const p of batch) {
        if (p.contactId !== null) continue;
        const found = await findAmoContact(ctx.amo, p.row.phones, p.row.email ? [p.row.email] : []).catch((err: unknown) => {
          throw rethrowUnlessBatchProblem(err);
        });
        p.contactId = found?.contact.id ?? null;
      }
    }
    const made = batch.length ? await sendBatch(ctx, batch, outcome) : [];
    for (const { planned, leadId } of made) {
      const status = planned.contactId !== null ? "updated" : "created";
      if (planned.followUp) {
        const data: StoredRow = { ...planned.rec.data, followUp: { leadId, ...planned.followUp } };
        outcome.done.push({ id: planned.rec.id, status, data });
        owing.push({ id: planned.rec.id, data });
      } else outcome.done.push({ id: planned.rec.id, status });
    }
    await recordBatch(ctx.t, ctx.imp.id, outcome);
    result.rows += outcome.done.length + outcome.refused.length;
    for (const d of outcome.done) result[d.status]++;
    for (const r of outcome.refused) result[r.status]++;
    const owedItems = owing.reduce((n, r) => n + Math.max(r.data.followUp!.notes.length, r.data.followUp!.tasks.length), 0);
    if (owedItems >= AMO_BATCH) {
      // Each lane posts what it takes; the rows are disjoint, so two lanes never post the same one.
      const taken = owing;
      owing = [];
      await postFollowUps(ctx, taken);
    }
    return true;
  });
  // After a cancel nothing more goes to amoCRM; what is owed stays stored with its rows.
  if (owing.length && !result.stopped) await postFollowUps(ctx, owing);
  result.problems = [...problems];
  return result;
}
