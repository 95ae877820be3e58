// The widget's Digital Pipeline action: reading amoCRM's DP hook (form-encoded bracket keys or JSON,
// unsigned), the per-account key that stands in for a signature, and the sync job that performs
// the chosen LPTracker action on the lead as amoCRM has it now.
import { and, eq } from "drizzle-orm";
import type { Env } from "../env";
import type { Db } from "../db/client";
import type { Tenant } from "../db/tenant";
import type { EventRow } from "../db/events";
import { auditLog, dpKeys } from "../db/schema";
import { writeAudit, type AuditEntry } from "../db/audit";
import { findLinksByAmo } from "../db/links";
import { getProject } from "../db/lptracker";
import { getMetadata } from "../amocrm/metadata";
import { AmoClient } from "../amocrm/client";
import { LptClient } from "../lptracker/client";
import { lptProjectSchema } from "../lptracker/project-schema";
import { parseNestedForm, type FormValue } from "../lib/php-form";
import { randomKey } from "../lib/keys";
import { secretBox } from "../lib/secret-box";
import type { JobResult } from "./lpt-to-amo";
import { pushAmoLead, readAmoLead, setLinkedStage, type AmoLeadRead } from "./lpt-push";

export const DP_ACTIONS = ["create_update", "set_stage", "comment"] as const;
export type DpActionKind = (typeof DP_ACTIONS)[number];
export const DP_COMMENT_MAX = 2000;

/** What the widget's DP settings hold (manifest `dp.settings`); `key` is the hidden per-account secret. */
export interface DpSettings {
  action: DpActionKind;
  projectId: number;
  stageId: number | null;
  comment: string | null;
}

/** A DP hook reduced to what we act on; stored as the event's payload (never with the key). */
export interface DpHook {
  accountId: number;
  subdomain: string | null;
  leadId: number;
  elementType: number;
  eventType: string;
  pipelineId: number | null;
  statusId: number | null;
  time: string;
  settings: DpSettings;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
const posInt = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** amoCRM documents JSON, sends form-encoded bracket keys: both are read into one shape. */
export function readDpBody(contentType: string, raw: string): { ok: true; body: Json } | { ok: false; error: string } {
  const type = contentType.toLowerCase();
  if (type.includes("application/json") || (!type.includes("form") && /^\s*\{/.test(raw))) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? { ok: true, body: parsed as Json } : { ok: false, error: "the JSON body is not an object" };
    } catch {
      return { ok: false, error: "the body is not valid JSON" };
    }
  }
  if (!raw.trim()) return { ok: false, error: "the body is empty" };
  return { ok: true, body: parseNestedForm(new URLSearchParams(raw)) as Record<string, FormValue> as Json };
}

export type DpParse = { ok: true; hook: DpHook; key: string } | { ok: false; accountId: number | null; reason: string };

/** Checks the hook's shape and the action's settings; every refusal says what to fix. */
export function parseDpHook(body: Json): DpParse {
  const accountId = posInt(body.account_id) ?? posInt(obj(body.account).id);
  if (!accountId) return { ok: false, accountId: null, reason: "the hook has no account_id" };
  const event = obj(body.event);
  const data = obj(event.data);
  const leadId = posInt(data.id);
  if (!leadId) return { ok: false, accountId, reason: "the hook has no event[data][id]" };
  const elementType = posInt(data.element_type) ?? 2;
  if (elementType !== 2) return { ok: false, accountId, reason: `the action runs on leads only (element_type 2), got ${elementType}; remove it from the customers' pipeline` };
  const widget = obj(obj(obj(body.action).settings).widget);
  const raw = obj(widget.settings);
  const key = str(raw.key) ?? "";
  const action = str(raw.action) ?? "";
  if (!(DP_ACTIONS as readonly string[]).includes(action)) return { ok: false, accountId, reason: `the action setting ${JSON.stringify(action.slice(0, 40))} is not one of ${DP_ACTIONS.join(", ")}; open the action in the Digital Pipeline and choose it again` };
  const projectId = posInt(raw.project_id);
  if (!projectId) return { ok: false, accountId, reason: "the action has no LPTracker project; open it in the Digital Pipeline and choose one" };
  const stageId = posInt(raw.stage_id);
  if (action === "set_stage" && !stageId) return { ok: false, accountId, reason: "the action «move to stage» has no LPTracker stage; choose one" };
  const comment = (str(raw.comment) ?? "").trim();
  if (action === "comment" && !comment) return { ok: false, accountId, reason: "the action «add a comment» has an empty template" };
  if (comment.length > DP_COMMENT_MAX) return { ok: false, accountId, reason: `the comment template is longer than ${DP_COMMENT_MAX} characters` };
  return {
    ok: true,
    key,
    hook: {
      accountId,
      subdomain: str(body.subdomain) ?? str(obj(body.account).subdomain),
      leadId,
      elementType,
      eventType: str(event.type_code) ?? str(event.type) ?? "",
      pipelineId: posInt(data.pipeline_id),
      statusId: posInt(data.status_id),
      time: str(event.time) ?? "",
      settings: { action: action as DpActionKind, projectId, stageId: action === "comment" ? null : stageId, comment: action === "comment" ? comment : null },
    },
  };
}

const dpKeyContext = (accountId: number) => `dp-key:${accountId}`;

/** The account's DP key, made on first use; stored sealed like every other secret. */
export async function dpKeyFor(db: Db, encryptionKey: string, accountId: number): Promise<string> {
  const existing = await storedDpKey(db, encryptionKey, accountId);
  if (existing) return existing;
  await db.insert(dpKeys).values({ accountId, key: await secretBox(encryptionKey).seal(randomKey(24), dpKeyContext(accountId)) }).onConflictDoNothing();
  return (await storedDpKey(db, encryptionKey, accountId))!;
}

export async function storedDpKey(db: Db, encryptionKey: string, accountId: number): Promise<string | null> {
  const [row] = await db.select({ key: dpKeys.key }).from(dpKeys).where(eq(dpKeys.accountId, accountId)).limit(1);
  return row ? secretBox(encryptionKey).open(row.key, dpKeyContext(accountId)) : null;
}

/** `{{lead.name}}`-style placeholders; unknown ones stay as written so a typo is visible in LPTracker. */
export function renderDpTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_.]{1,40})\s*\}\}/g, (whole, name: string) => (name in values ? values[name]! : whole));
}

async function commentDone(t: Tenant, eventId: number): Promise<boolean> {
  const rows = await t.db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.accountId, t.accountId), eq(auditLog.eventId, eventId), eq(auditLog.entityType, "dp_action"), eq(auditLog.entityId, `${eventId}:comment`)))
    .limit(1);
  return rows.length > 0;
}

async function templateValues(t: Tenant, lead: AmoLeadRead): Promise<Record<string, string>> {
  const meta = await getMetadata(t);
  const pipeline = meta.pipelines.find((p) => p.id === lead.pipeline_id);
  const status = pipeline?.statuses.find((s) => s.id === lead.status_id);
  const user = meta.users.find((u) => u.id === lead.responsible_user_id);
  return {
    "lead.id": String(lead.id),
    "lead.name": lead.name ?? "",
    "lead.price": lead.price === null || lead.price === undefined ? "" : String(lead.price),
    pipeline: pipeline?.name ?? String(lead.pipeline_id),
    status: status?.name ?? String(lead.status_id),
    responsible: user?.name ?? "",
    date: new Date().toLocaleString("ru-RU", { timeZone: "Europe/Moscow" }),
  };
}

/** The sync job of a stored DP event: the lead is read from amoCRM again, never taken from the hook. */
export async function runDpEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const hook = JSON.parse(event.payload) as DpHook;
  const step = (e: Omit<AuditEntry, "eventId">) => writeAudit(t, { ...e, eventId: event.id });
  const amo = new AmoClient(env, t.accountId);
  const lpt = new LptClient(env, t.accountId);
  const s = hook.settings;
  const lead = await readAmoLead(amo, hook.leadId);
  if (!lead) {
    await step({ level: "warn", source: "amocrm", action: "dp.lead_missing", message: `amoCRM has no lead ${hook.leadId} (deleted?); the Digital Pipeline action did nothing.` });
    return { status: "skipped", note: `amoCRM lead ${hook.leadId} not found` };
  }
  if (hook.statusId && (lead.status_id !== hook.statusId || lead.pipeline_id !== hook.pipelineId)) {
    await step({ source: "amocrm", action: "dp.lead_moved_on", message: `amoCRM lead ${lead.id} is now in status ${lead.status_id} (the hook named ${hook.statusId}); the action runs on the lead as it is now.` });
  }
  const project = await getProject(t, s.projectId);
  if (!project || !project.enabled) return { status: "skipped", note: `LPTracker project ${s.projectId} is not connected to this account; choose another project in the Digital Pipeline action` };
  if (s.stageId) {
    const schema = await lptProjectSchema(env, t, s.projectId);
    if (!schema.stages.some((st) => st.id === s.stageId)) return { status: "skipped", note: `LPTracker project ${s.projectId} has no stage ${s.stageId} any more; choose the stage again in the Digital Pipeline action` };
  }

  if (s.action === "create_update") {
    const r = await pushAmoLead({ env, t, amo, lpt, lead, projectId: s.projectId, step });
    return { status: r.status === "skipped" ? "skipped" : "done", note: r.note };
  }
  if (s.action === "set_stage") {
    const [link] = await findLinksByAmo(t, "lead", [lead.id]);
    if (!link) {
      // Nothing to move yet: the lead is created at the chosen stage, which is where the team wants it.
      const r = await pushAmoLead({ env, t, amo, lpt, lead, projectId: s.projectId, stageId: s.stageId, step });
      return { status: r.status === "skipped" ? "skipped" : "done", note: r.note };
    }
    const moved = await setLinkedStage(lpt, t, link, s.stageId!, lead);
    if (!moved) return { status: "skipped", note: `LPTracker lead ${link.lptId} is already at stage ${s.stageId}` };
    await step({ source: "lptracker", action: "lpt.stage_set", message: `LPTracker lead ${link.lptId} moved to stage ${s.stageId} by the Digital Pipeline action (amoCRM lead ${lead.id}).`, entityType: "lpt_lead", entityId: link.lptId });
    return { status: "done", note: `LPTracker lead ${link.lptId} → stage ${s.stageId}` };
  }
  const [link] = await findLinksByAmo(t, "lead", [lead.id]);
  if (!link) return { status: "skipped", note: `amoCRM lead ${lead.id} is not linked to an LPTracker lead; put the action «create or update» before the comment` };
  if (await commentDone(t, event.id)) return { status: "skipped", note: "the comment of this event was already added" };
  const text = renderDpTemplate(s.comment ?? "", await templateValues(t, lead));
  await lpt.comment(link.lptId, text);
  await step({ source: "lptracker", action: "lpt.comment_added", message: `Comment added to LPTracker lead ${link.lptId} by the Digital Pipeline action (amoCRM lead ${lead.id}).`, entityType: "dp_action", entityId: `${event.id}:comment` });
  return { status: "done", note: `comment added to LPTracker lead ${link.lptId}` };
}
