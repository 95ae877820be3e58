// Webhook intake, the same path for LPTracker and amoCRM: finds the tenant by the URL key, puts each
// event on the hook-intake queue with its dedupe key and answers 200; the consumer stores it once
// per key (sync/intake/hook-job.ts) and hands it to the sync. No external call and no D1 write here.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { hookTargetByKey } from "../db/lptracker";
import { accountByHookKey } from "../db/accounts";
import { tenant } from "../db/tenant";
import { insertEvent, type NewEvent } from "../db/events";
import type { HookMessage } from "../queue/messages";
import { sha256Hex } from "../lib/keys";
import { parseNestedFormBody } from "../lib/php-form";
import { amoHookFormSchema, amoHookLeadSchema, lptHookBodySchema } from "../contracts/hooks";
import { logWarn } from "../lib/log";
import { jsonTooDeep, MAX_JSON_DEPTH } from "../lib/json-guard";
import { hookRateProblem, recordQuotaHit, rejectedBodyAllowed, underLimit, type QuotaKind } from "../db/quotas";
import { problemResponse } from "../lib/problem";
import { unsortedHookEvents } from "../sync/intake/unsorted-hook";

const REJECTED_BODY_CAP = 16 * 1024;
/** Queue messages are capped at 128 KB; this many UTF-16 units stay under it even as 3-byte UTF-8. */
const QUEUED_PAYLOAD_MAX = 40_000;
/** Messages per `sendBatch`: the queue's own cap. */
const QUEUE_SEND_MAX = 100;

/** LPTracker may send JSON, a form field `data` holding JSON, or `?data=` (undocumented: accept all). */
async function readLptBody(c: Context<AppEnv>, raw: string): Promise<{ variant: string; json: unknown } | { variant: string; error: string }> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const parse = (text: string, variant: string) => {
    if (jsonTooDeep(text)) return { variant, error: `the ${variant} body nests objects deeper than ${MAX_JSON_DEPTH} levels` };
    try {
      const json: unknown = JSON.parse(text);
      return { variant, json };
    } catch {
      return { variant, error: `the ${variant} body is not valid JSON` };
    }
  };
  if (type.includes("application/x-www-form-urlencoded")) {
    const data = new URLSearchParams(raw).get("data");
    return data === null ? { variant: "form", error: "the form has no `data` field" } : parse(data, "form");
  }
  if (type.includes("multipart/form-data")) {
    try {
      const form = await new Request("https://x/", { method: "POST", headers: { "content-type": type }, body: raw }).formData();
      const data = form.get("data");
      return typeof data === "string" ? parse(data, "multipart") : { variant: "multipart", error: "the form has no `data` field" };
    } catch {
      return { variant: "multipart", error: "the multipart body is malformed" };
    }
  }
  if (raw.trim()) return parse(raw, "json");
  const q = c.req.query("data");
  if (q) return parse(q, "query");
  return { variant: "empty", error: "the body is empty" };
}

/** amoCRM writes one event per lead on the request: a body naming more leads than this is refused. */
export const MAX_AMO_LEADS_PER_HOOK = 250;
/** The binding periods in wrangler.toml: how long a limited sender should wait. */
const LPT_LIMIT_PERIOD_S = 10;
const AMO_LIMIT_PERIOD_S = 60;

/** Counts a refusal for the dashboard without holding the answer back. */
function quotaHit(c: Context<AppEnv>, accountId: number, kind: QuotaKind): void {
  const write = recordQuotaHit(tenant(c.var.db, accountId), kind).catch((err: unknown) => logWarn("quota hit not recorded", { accountId, kind, error: String(err) }));
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    // No execution context (a direct app.fetch in tests): the write still runs.
  }
}

function tooManyHooks(c: Context<AppEnv>, accountId: number, retryAfter: number): Response {
  quotaHit(c, accountId, "hook_rate");
  return problemResponse(hookRateProblem(retryAfter), c.var.requestId, { "retry-after": String(retryAfter) });
}

export function hookRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/hooks/lptracker/:hookKey", async (c) => {
    const target = await hookTargetByKey(c.var.db, c.req.param("hookKey"));
    if (!target) return notFound(c);
    const { accountId, projectId } = target;
    if (!(await underLimit(c.env.LPT_HOOK_LIMITER, `lpt:${c.req.param("hookKey")}`))) return tooManyHooks(c, accountId, LPT_LIMIT_PERIOD_S);
    const raw = new TextDecoder().decode(await c.req.arrayBuffer());
    const parsed = await readLptBody(c, raw);
    const body = "json" in parsed ? parsed.json : undefined;
    const lead = lptHookBodySchema.safeParse(body).data ?? null;
    const leadId = lead ? Number(lead.id ?? lead.lead?.id) : NaN;
    const payloadProject = lead?.project_id !== undefined ? Number(lead.project_id) : projectId;
    let problem: string | null = null;
    if ("error" in parsed) problem = parsed.error;
    else if (!lead) problem = "the JSON is not an object";
    else if (!Number.isSafeInteger(leadId) || leadId <= 0) problem = "the event has no lead `id`";
    else if (payloadProject !== projectId) problem = `the event is for project ${payloadProject}, but this URL belongs to project ${projectId}`;
    if (problem) {
      // Kept for inspection in the admin page, size-capped and within the tenant's hourly quota;
      // never processed. Over the quota the sender still gets its 400, and the dashboard warns.
      const t = tenant(c.var.db, accountId);
      const payload = raw.slice(0, REJECTED_BODY_CAP);
      const kept = await rejectedBodyAllowed(t, payload.length);
      if (kept) {
        await insertEvent(t, {
          source: "lptracker",
          action: "rejected",
          dedupeKey: `rejected:${await sha256Hex(raw)}`,
          projectId,
          payload,
          status: "rejected",
          error: problem,
        });
      } else quotaHit(c, accountId, "rejected_bodies");
      logWarn("LPTracker webhook rejected", { accountId, variant: parsed.variant, reason: problem, kept });
      throw new Problem("hook_lpt_malformed", { problem }, { kept });
    }
    const action = String(lead!.action ?? "update");
    const stamp = lead!.action_timestamp ?? null;
    const dedupeKey = `lpt:${projectId}:${leadId}:${action}:${stamp ?? (await sha256Hex(raw))}`;
    // As LPTracker sent it (the parsed copy may order keys differently).
    const payload = JSON.stringify(body);
    const event = { action, dedupeKey, projectId, externalId: String(leadId), payload };
    if (payload.length <= QUEUED_PAYLOAD_MAX) {
      // The queue holds the event durably once `send` resolves; the consumer stores it in D1 under
      // its dedupe key (a duplicate stops there) and syncs it. No D1 round trip on this path.
      await c.env.HOOK_QUEUE.send({ kind: "hook", source: "lptracker", accountId, receivedAt: Date.now(), ...event });
      return c.json({ ok: true, dedupeKey });
    }
    // Too big for a queue message: stored here first, and the message carries only its id.
    const eventId = await insertEvent(tenant(c.var.db, accountId), { source: "lptracker", ...event });
    if (eventId === null) return c.json({ ok: true, dedupeKey, duplicate: true });
    await c.env.SYNC_QUEUE.send({ kind: "event", accountId, eventId });
    return c.json({ ok: true, dedupeKey });
  });

  r.post("/hooks/amocrm/:hookKey", async (c) => {
    const key = c.req.param("hookKey");
    const account = /^[A-Za-z0-9_-]{20,80}$/.test(key) ? await accountByHookKey(c.var.db, key) : null;
    if (!account || account.status === "uninstalled") return notFound(c);
    if (!(await underLimit(c.env.AMO_HOOK_LIMITER, `amo:${key}`))) return tooManyHooks(c, account.accountId, AMO_LIMIT_PERIOD_S);
    const raw = new TextDecoder().decode(await c.req.arrayBuffer());
    const form = amoHookFormSchema.parse(parseNestedFormBody(raw));
    if (form.account?.id !== undefined && Number(form.account.id) !== account.accountId) throw new Problem("hook_amo_other_account");
    const leads = form.leads ?? {};
    const named = (leads.update?.length ?? 0) + (leads.status?.length ?? 0);
    if (named > MAX_AMO_LEADS_PER_HOOK) {
      throw new Problem("hook_amo_too_many_leads", { count: named, limitLeads: MAX_AMO_LEADS_PER_HOOK }, { limitLeads: MAX_AMO_LEADS_PER_HOOK });
    }
    const receivedAt = Date.now();
    const queued: HookMessage[] = [];
    const direct: NewEvent[] = [];
    // `add` items are not subscribed (and are mostly the echo of our own creates): ignored if sent.
    for (const action of ["update", "status"] as const) {
      for (const item of leads[action] ?? []) {
        const lead = amoHookLeadSchema.safeParse(item).data;
        if (!lead) continue;
        const id = Number(lead.id);
        if (!Number.isSafeInteger(id) || id <= 0) continue;
        const version = String(lead.updated_at ?? lead.last_modified ?? "") + ":" + String(lead.status_id ?? "");
        const event = { action, dedupeKey: `amo:${id}:${action}:${version}`, externalId: String(id), payload: JSON.stringify(item) };
        if (event.payload.length <= QUEUED_PAYLOAD_MAX) queued.push({ kind: "hook", source: "amocrm", accountId: account.accountId, projectId: null, receivedAt, ...event });
        else direct.push({ source: "amocrm", receivedAt, ...event });
      }
    }
    // A manager's accept/decline of an incoming lead we posted (sync/plan/unsorted.ts): the same path.
    for (const e of unsortedHookEvents(form.unsorted)) {
      queued.push({ kind: "hook", source: "amocrm", accountId: account.accountId, projectId: null, receivedAt, action: e.action, dedupeKey: e.dedupeKey, externalId: e.externalId ?? null, payload: e.payload });
    }
    for (let i = 0; i < queued.length; i += QUEUE_SEND_MAX) {
      await c.env.HOOK_QUEUE.sendBatch(queued.slice(i, i + QUEUE_SEND_MAX).map((body) => ({ body })));
    }
    // A lead too big for a queue message is stored here first, and its message carries only its id.
    const t = tenant(c.var.db, account.accountId);
    const stored: number[] = [];
    for (const e of direct) {
      const eventId = await insertEvent(t, e);
      if (eventId !== null) stored.push(eventId);
    }
    if (stored.length) await c.env.SYNC_QUEUE.sendBatch(stored.map((eventId) => ({ body: { kind: "event" as const, accountId: account.accountId, eventId } })));
    // The keys let a caller (our tests, an operator) find the stored events.
    return c.json({ ok: true, queued: queued.length + stored.length, dedupeKeys: [...queued.map((m) => m.dedupeKey), ...direct.map((e) => e.dedupeKey)] });
  });

  return r;
}

function notFound(c: Context<AppEnv>): Response {
  return c.json({ type: "/problems/not-found", title: "Not found", status: 404, requestId: c.var.requestId }, 404, { "content-type": "application/problem+json" });
}
