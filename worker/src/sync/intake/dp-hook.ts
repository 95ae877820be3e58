// amoCRM's Digital Pipeline hook for the widget's action, read into one shape: form-encoded bracket
// keys (what amoCRM sends) or JSON (what its docs show), checked with a reason for every refusal.
// Pure, so that Node tests run it; the job lives in dp-action.ts.
import { z } from "zod";
import { parseNestedForm } from "../../lib/php-form";

export const DP_ACTIONS = ["create_update", "set_stage", "comment"] as const;
export type DpActionKind = (typeof DP_ACTIONS)[number];
const dpActionSchema = z.enum(DP_ACTIONS);
export const DP_COMMENT_MAX = 2000;

/** What the widget's DP settings hold (manifest `dp.settings`); `key` is the hidden per-account secret. */
const dpSettingsSchema = z.object({ action: dpActionSchema, projectId: z.number().int(), stageId: z.number().int().nullable(), comment: z.string().nullable() });
export type DpSettings = z.infer<typeof dpSettingsSchema>;

/** A DP hook reduced to what we act on; stored as the event's payload (never with the key) and read back with this schema. */
export const dpHookSchema = z.object({
  accountId: z.number().int(),
  subdomain: z.string().nullable(),
  leadId: z.number().int(),
  elementType: z.number().int(),
  eventType: z.string(),
  pipelineId: z.number().int().nullable(),
  statusId: z.number().int().nullable(),
  time: z.string(),
  settings: dpSettingsSchema,
});
export type DpHook = z.infer<typeof dpHookSchema>;

type Json = Record<string, unknown>;
const jsonObjectSchema = z.record(z.string(), z.unknown());
/** The value as an object of fields; anything else (a list, a string, nothing) as an empty one. */
const obj = (v: unknown): Json => jsonObjectSchema.safeParse(v).data ?? {};
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
      const parsed = jsonObjectSchema.safeParse(JSON.parse(raw));
      return parsed.success ? { ok: true, body: parsed.data } : { ok: false, error: "the JSON body is not an object" };
    } catch {
      return { ok: false, error: "the body is not valid JSON" };
    }
  }
  if (!raw.trim()) return { ok: false, error: "the body is empty" };
  return { ok: true, body: parseNestedForm(new URLSearchParams(raw)) };
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
  const named = str(raw.action) ?? "";
  const chosen = dpActionSchema.safeParse(named);
  if (!chosen.success) return { ok: false, accountId, reason: `the action setting ${JSON.stringify(named.slice(0, 40))} is not one of ${DP_ACTIONS.join(", ")}; open the action in the Digital Pipeline and choose it again` };
  const action = chosen.data;
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
      settings: { action, projectId, stageId: action === "comment" ? null : stageId, comment: action === "comment" ? comment : null },
    },
  };
}

/** `{{lead.name}}`-style placeholders; unknown ones stay as written so a typo is visible in LPTracker. */
export function renderDpTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_.]{1,40})\s*\}\}/g, (whole, name: string) => (name in values ? values[name]! : whole));
}
