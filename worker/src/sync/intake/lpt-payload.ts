// Decides when an LPTracker lead callback can stand in for re-reading the lead (docs §3.2 lists
// what a callback carries), and when an update changes nothing we have not already written.
import { listOf, normalizeLptLead, toId, type LptLead } from "../mapping/lpt-lead";
import type { FactValue, Facts } from "../types";
import { isPlainObject } from "../../lib/json-guard";

/** Keys a lead callback carries per docs §3.2; without any of them the lead is read again. */
function isComplete(body: Record<string, unknown>): boolean {
  const action = typeof body.action === "string" ? body.action : "";
  if (action !== "create" && action !== "update") return false;
  if (toId(body.id) === null || toId(body.project_id) === null) return false;
  if (typeof body.action_timestamp !== "number" && !(typeof body.action_timestamp === "string" && /^\d+$/.test(body.action_timestamp))) return false;
  if (!("name" in body)) return false;
  const contact = body.contact;
  if (!isPlainObject(contact) || toId(contact.id) === null) return false;
  if (!Array.isArray(contact.contacts) && !Array.isArray(contact.details) && !listOf(contact.contacts).length) return false;
  const stageKnown = (isPlainObject(body.stage) && toId(body.stage.id) !== null) || toId(body.stage_id) !== null;
  if (!stageKnown) return false;
  if (!Array.isArray(body.custom) && !isPlainObject(body.custom)) return false;
  if (!isPlainObject(body.view)) return false;
  // Calls only reach us inside the lead: a body without the list may be an account that omits it.
  if (!Array.isArray(body.calls_records) && !isPlainObject(body.calls_records)) return false;
  return true;
}

/**
 * The lead as the callback describes it, or null when it must be read from LPTracker instead: the
 * body lacks something, or it is not newer than what we last applied (callbacks can overtake each
 * other, and a re-read is the only way to know which state is the latest).
 */
export function leadFromCallback(payload: string, lastAppliedAt: number | null): LptLead | null {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isPlainObject(body) || !isComplete(body)) return null;
  let lead: LptLead;
  try {
    lead = normalizeLptLead(body);
  } catch {
    return null;
  }
  if (lead.event?.at === null || lead.event?.at === undefined) return null;
  if (lastAppliedAt !== null && lead.event.at <= lastAppliedAt) return null;
  return lead;
}

function blank(v: FactValue | undefined): boolean {
  return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}

function same(a: FactValue | undefined, b: FactValue | undefined): boolean {
  if (blank(a) && blank(b)) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What an update brings compared with the facts we last synced: "echo" when the only change is the
 * LPTracker stage we set ourselves, "unchanged" when nothing differs, null when something is new.
 */
export function updateKind(previous: Facts, next: Facts, stageWeWrote: number | null): "echo" | "unchanged" | null {
  let stageMoved = false;
  for (const key of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    if (same(previous[key], next[key])) continue;
    if (key === "stage" || key === "stage.id") {
      stageMoved = true;
      continue;
    }
    return null;
  }
  if (!stageMoved) return "unchanged";
  return stageWeWrote !== null && next["stage.id"] === stageWeWrote ? "echo" : null;
}
