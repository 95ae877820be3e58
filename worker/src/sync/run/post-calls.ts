// Posts a lead's new call records to amoCRM as calls (`POST /api/v4/calls`), falling back to
// call_in/call_out notes on the contact when amoCRM cannot place a call. Writes no D1 row: the
// sync job records the outcomes in its final batch (sync/run/lpt-to-amo.ts).
import type { AmoClient } from "../../amocrm/client";
import { AmoError } from "../../amocrm/client";
import { amoCallsAnswerSchema } from "../../contracts/amocrm";
import type { CallRow } from "../../db/calls";
import { outboundLink } from "../../lib/links";
import { errorText } from "../../lib/error-text";

/** amoCRM call_status: 4 = conversation held, 6 = no answer, 7 = busy, 8 = undefined. */
export function callStatusOf(call: Pick<CallRow, "duration" | "result">): number {
  const r = (call.result ?? "").toLowerCase();
  if (/busy|занят/.test(r)) return 7;
  if (/no.?answer|noanswer|не ответ|недозвон|failed/.test(r)) return 6;
  if (/answer|успеш|разговор/.test(r) || call.duration > 0) return 4;
  return 6;
}

export interface PostedCalls {
  posted: number;
  viaNotes: number;
  failed: number;
  /** Call ids whose recording link was not http(s) and was left out of what amoCRM got. */
  droppedLinks: string[];
}

export type CallToPost = Pick<CallRow, "callId" | "phone" | "direction" | "duration" | "result" | "recordingUrl" | "startedAt">;

/** What became of one call: the row update the caller writes. */
export interface CallOutcome<C extends CallToPost = CallToPost> {
  call: C;
  syncStatus: "posted" | "failed";
  amoCallId?: string;
  error?: string;
}

export async function postCalls<C extends CallToPost>(amo: AmoClient, pending: C[], target: { amoLeadId: string; amoContactId: string | null; responsibleUserId?: number }): Promise<PostedCalls & { outcomes: CallOutcome<C>[] }> {
  const out: PostedCalls & { outcomes: CallOutcome<C>[] } = { posted: 0, viaNotes: 0, failed: 0, droppedLinks: [], outcomes: [] };
  if (!pending.length) return out;
  // amoCRM shows the link as a player/download in the card: only http(s) ever goes there.
  const links = new Map<string, string | null>();
  for (const c of pending) {
    const link = outboundLink(c.recordingUrl);
    links.set(c.callId, link);
    if (c.recordingUrl && !link) out.droppedLinks.push(c.callId);
  }
  const withPhone = pending.filter((c) => c.phone);
  const items = withPhone.map((c) => ({
    direction: c.direction === "outbound" ? "outbound" : "inbound",
    phone: c.phone!,
    uniq: `lpt-${c.callId}`,
    duration: c.duration,
    source: "LPTracker",
    link: links.get(c.callId) ?? undefined,
    call_status: callStatusOf(c),
    call_result: c.result ?? undefined,
    created_at: c.startedAt ? Math.floor(c.startedAt / 1000) : undefined,
    responsible_user_id: target.responsibleUserId,
  }));
  const notPlaced: C[] = pending.filter((c) => !c.phone);
  for (let i = 0; i < items.length; i += 50) {
    const batch = items.slice(i, i + 50);
    const rows = withPhone.slice(i, i + 50);
    let placed: { uniq?: string | null; id?: number | null }[] = [];
    try {
      const body = await amo.send(amoCallsAnswerSchema, "POST", "/api/v4/calls", batch);
      placed = body._embedded?.calls ?? [];
    } catch (err) {
      if (err instanceof AmoError && err.transient) throw err;
      placed = [];
    }
    for (const [idx, row] of rows.entries()) {
      const hit = placed.find((p) => p.uniq === batch[idx]!.uniq) ?? (placed.length === rows.length ? placed[idx] : undefined);
      if (hit?.id) {
        out.posted++;
        out.outcomes.push({ call: row, syncStatus: "posted", amoCallId: String(hit.id) });
      } else {
        notPlaced.push(row);
      }
    }
  }
  // Calls amoCRM could not place (no phone, or no entity with that phone): notes on the contact or lead.
  if (notPlaced.length) {
    const entity = target.amoContactId ? "contacts" : "leads";
    const entityId = Number(target.amoContactId ?? target.amoLeadId);
    const notes = notPlaced.map((c) => ({
      entity_id: entityId,
      note_type: c.direction === "outbound" ? "call_out" : "call_in",
      params: { uniq: `lpt-${c.callId}`, duration: c.duration, source: "LPTracker", link: links.get(c.callId) ?? "", phone: c.phone ?? "", call_status: callStatusOf(c), call_result: c.result ?? "" },
    }));
    try {
      await amo.post(`/api/v4/${entity}/notes`, notes);
      for (const c of notPlaced) out.outcomes.push({ call: c, syncStatus: "posted" });
      out.viaNotes += notPlaced.length;
    } catch (err) {
      if (err instanceof AmoError && err.transient) throw err;
      for (const c of notPlaced) out.outcomes.push({ call: c, syncStatus: "failed", error: errorText(err) });
      out.failed += notPlaced.length;
    }
  }
  return out;
}
