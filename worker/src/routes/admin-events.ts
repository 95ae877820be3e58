// Admin API over inbound events: list by status and date, one event with its steps (audit rows),
// replay one, and replay every event a filter selects.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { jsonBody, queryOf } from "../lib/validate";
import { eventFilterSchema } from "../contracts/admin";
import { tenant, type Tenant } from "../db/tenant";
import { eventIds, getEvent, listEvents, resetForReplay, type EventRow } from "../db/events";
import { listAudit, writeAudit } from "../db/audit";
import type { Env } from "../env";
import type { EventView } from "../api-types";


export function eventView(e: EventRow): EventView {
  return {
    id: e.id,
    source: e.source,
    action: e.action,
    status: e.status,
    projectId: e.projectId,
    externalId: e.externalId,
    attempts: e.attempts,
    error: e.error,
    errorText: e.errorText ?? null,
    receivedAt: e.receivedAt,
    processedAt: e.processedAt,
  };
}

/** Puts events back in the queue; rejected (malformed) events can never be replayed. */
export async function replayEvents(env: Env, t: Tenant, ids: number[], actor: string): Promise<number[]> {
  const replayed = await resetForReplay(t, ids);
  for (let i = 0; i < replayed.length; i += 100) {
    await env.SYNC_QUEUE.sendBatch(replayed.slice(i, i + 100).map((eventId) => ({ body: { kind: "event" as const, accountId: t.accountId, eventId } })));
  }
  if (replayed.length) {
    await writeAudit(t, { source: "admin", action: "event.replayed", actor, message: `Replayed ${replayed.length} event(s): ${replayed.slice(0, 20).join(", ")}${replayed.length > 20 ? "…" : ""}.` });
  }
  return replayed;
}

export function adminEventRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.admin.accountId);
  const actor = (c: { var: AppEnv["Variables"] }) => `amo-user:${c.var.admin.userId}`;

  r.get("/api/admin/events", queryOf(eventFilterSchema), async (c) => {
    const f = c.req.valid("query");
    const { items, total } = await listEvents(t(c), f);
    return c.json({ items: items.map(eventView), total });
  });

  r.get("/api/admin/events/:id", async (c) => {
    const id = Number(c.req.param("id"));
    const tt = t(c);
    const event = Number.isSafeInteger(id) ? await getEvent(tt, id) : null;
    if (!event) throw new Problem("event_not_found", { id: c.req.param("id") });
    const steps = await listAudit(tt, { eventId: id, limit: 200 });
    let payload: unknown = event.payload;
    try {
      payload = JSON.parse(event.payload);
    } catch {
      /* a rejected event keeps its raw text */
    }
    return c.json({ event: eventView(event), payload, steps: [...steps.items].reverse() });
  });

  r.post("/api/admin/events/:id/replay", async (c) => {
    const id = Number(c.req.param("id"));
    const tt = t(c);
    const event = Number.isSafeInteger(id) ? await getEvent(tt, id) : null;
    if (!event) throw new Problem("event_not_found", { id: c.req.param("id") });
    if (event.status === "rejected") throw new Problem("event_replay_rejected");
    if (event.status === "received" || event.status === "processing") throw new Problem("event_replay_busy");
    const replayed = await replayEvents(c.env, tt, [id], actor(c));
    return c.json({ replayed: replayed.length, eventIds: replayed });
  });

  r.post("/api/admin/events/replay", jsonBody(eventFilterSchema, {}), async (c) => {
    const f = c.req.valid("json");
    const tt = t(c);
    const ids = await eventIds(tt, { ...f, status: f.status ?? "failed" });
    const replayed = await replayEvents(c.env, tt, ids, actor(c));
    return c.json({ replayed: replayed.length, eventIds: replayed });
  });

  return r;
}
