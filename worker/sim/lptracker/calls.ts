// Call records a control call adds to a lead (as if the LPTracker call tracker had logged them):
// generated deterministically from the lead so repeated runs show the same data.
import { unix } from "./dates";
import type { LeadRec, Store } from "./store";
import type { CallInput, CallRecord } from "./types";

export function makeCalls(store: Store, lead: LeadRec, input: number | CallInput[] | undefined): CallRecord[] {
  if (input === undefined) return [];
  const given: CallInput[] = typeof input === "number" ? Array.from({ length: Math.max(0, input) }, () => ({})) : input;
  const base = unix(store.now());
  const offset = lead.calls.length;
  return given.map((c, i) => {
    const n = offset + i;
    const answered = n % 3 !== 2;
    const time = c.time ?? base - (given.length - i) * 60;
    const linkedid = c.linkedid ?? `${time}.${store.nextId()}`;
    return {
      time,
      linkedid,
      duration: c.duration ?? (answered ? 30 + ((lead.id * 7 + n * 13) % 300) : 0),
      record: c.record !== undefined ? c.record : answered ? `https://records.sim-lptracker.test/${linkedid}.mp3` : null,
      type: c.type ?? (n % 2 === 0 ? "incomming" : "outgoing"),
      owner_id: c.owner_id !== undefined ? c.owner_id : lead.ownerId,
      disposition: c.disposition ?? (answered ? "ANSWERED" : "NO ANSWER"),
    };
  });
}
