// Incoming leads («Неразобранное»): whether a lead becomes an amoCRM forms entry, or a note on a
// waiting one, is decided by the plan (sync/plan/plan.ts) and run by lpt-to-amo.ts; here the
// manager's accept/decline (amoCRM's unsorted webhook) moves our links to the accepted lead or
// marks them declined, so later LPTracker updates update that lead or recreate nothing.
import { z } from "zod";
import type { Env } from "../../env";
import type { LinkUnsorted } from "../../contracts/stored";
import { amoGate } from "../../amocrm/gate";
import type { Tenant } from "../../db/tenant";
import type { EventRow } from "../../db/events";
import { findLinksByAmo, upsertLinkQuery, type LinkRow } from "../../db/links";
import { writeAudit } from "../../db/audit";
import { entryByUid, setEntryState, type UnsortedState } from "../../db/unsorted";
import { formItemSchema, resultLead } from "../intake/unsorted-hook";
import { RetryLater } from "../../queue/retry";

type JobResult = { status: "done" | "skipped"; note: string };

/** What a lead link remembers of its incoming lead (`links.meta.unsorted`), read back with this schema. */
export type { LinkUnsorted };

export function linkUnsorted(link: Pick<LinkRow, "meta"> | null | undefined): LinkUnsorted | null {
  return link?.meta.unsorted ?? null;
}

export function isUnsortedEvent(event: Pick<EventRow, "source" | "action">): boolean {
  return event.source === "amocrm" && event.action.startsWith("unsorted_");
}

/** Applies a manager's decision on one of our entries; running it again changes nothing. */
export async function runUnsortedEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const item = formItemSchema.safeParse(JSON.parse(event.payload)).data ?? {};
  const uid = String(item.uid ?? "");
  const action = event.action.slice("unsorted_".length);
  const entry = await entryByUid(t, uid);
  if (!entry) return { status: "skipped", note: `incoming lead ${uid} was not sent by this integration` };
  const related = await findLinksByAmo(t, "lead", [...new Set([entry.amoLeadId, entry.resultLeadId ?? entry.amoLeadId])]);
  const links = related.filter((l) => linkUnsorted(l)?.uid === uid);
  const gate = amoGate(env, t.accountId);
  // The person's keys too: an LPTracker job adding a repeat request to this entry holds them.
  const keys = [...new Set([entry.lptLeadId, ...links.map((l) => l.lptId)])].map((id) => `lpt-lead:${id}`);
  const lock = await gate.tryLock([...keys, ...entry.personKeys], 60_000);
  if (!lock) throw new RetryLater(2, "another job is syncing a lead of this incoming lead");
  try {
    // Re-read under the lock: an LPTracker job may have linked a repeat request meanwhile.
    const fresh = (await findLinksByAmo(t, "lead", [...new Set([entry.amoLeadId, entry.resultLeadId ?? entry.amoLeadId])])).filter((l) => linkUnsorted(l)?.uid === uid);
    const state: UnsortedState = action === "decline" ? "declined" : "accepted";
    const target = state === "accepted" ? (resultLead(item) ?? entry.amoLeadId) : entry.amoLeadId;
    const pending = fresh.filter((l) => l.amoId !== target || linkUnsorted(l)?.state !== state);
    if (entry.state === state && (entry.resultLeadId ?? entry.amoLeadId) === target && pending.length === 0) {
      return { status: "skipped", note: `incoming lead ${uid} is already ${state}; nothing to change` };
    }
    if (pending.length) {
      const [first, ...rest] = pending.map((l) => upsertLinkQuery(t, "lead", l.lptId, target, l.projectId, { ...l.meta, unsorted: { uid, state, leadId: target } satisfies LinkUnsorted }));
      await t.db.batch([first!, ...rest]);
    }
    await setEntryState(t, entry.id, state, state === "accepted" ? target : null);
    const lptIds = fresh.map((l) => l.lptId).join(", ") || entry.lptLeadId;
    await writeAudit(t, {
      source: "amocrm",
      action: state === "accepted" ? "unsorted.accepted" : "unsorted.declined",
      message:
        state === "accepted"
          ? `Incoming lead ${uid} accepted in amoCRM${target !== entry.amoLeadId ? ` into the existing lead ${target}` : ` as lead ${target}`}; LPTracker lead ${lptIds} now updates that lead.`
          : `Incoming lead ${uid} declined in amoCRM; LPTracker lead ${lptIds} will not be created in amoCRM again.`,
      eventId: event.id,
      entityType: "amo_lead",
      entityId: target,
      data: { uid, action },
    });
    return { status: "done", note: state === "accepted" ? `links follow amoCRM lead ${target}` : "links marked declined" };
  } finally {
    await gate.unlock(lock);
  }
}
