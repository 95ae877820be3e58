// How a sync job ends when something goes wrong: retry later, park until a reinstall, or fail
// with a reason a person can act on. One place that classifies the errors of both APIs.
import { AmoError, AmoShapeError } from "../../amocrm/client";
import { LptError } from "../../lptracker/client";
import { codedText, type CodedText } from "../../lib/errors";

export type Outcome = { kind: "retry"; delaySeconds: number; reason: string } | { kind: "park"; reason: CodedText } | { kind: "fail"; reason: string };

export function classifyError(err: unknown): Outcome | null {
  if (err instanceof AmoShapeError) {
    return { kind: "fail", reason: `${err.message}. Its answer was not used; replay the event later, and if it fails the same way, send this text to support.` };
  }
  if (err instanceof AmoError) {
    if (err.kind === "reauth_required" || err.kind === "no_tokens") return { kind: "park", reason: codedText("event_amo_no_access", { reason: err.message }) };
    if (err.transient) return { kind: "retry", delaySeconds: Math.max(1, Math.ceil((err.retryAfterMs ?? 2000) / 1000)), reason: err.message };
    return { kind: "fail", reason: `${err.message}. Check the field mapping and the rule actions for this lead, then replay the event.` };
  }
  if (err instanceof LptError) {
    if (err.kind === "transient") return { kind: "retry", delaySeconds: Math.max(1, Math.ceil((err.retryAfterMs ?? 4000) / 1000)), reason: err.message };
    if (err.kind === "credentials" || err.kind === "not_connected")
      return { kind: "fail", reason: `LPTracker refused our login (${err.message}). Update the LPTracker login and password in the widget settings, then replay.` };
    return { kind: "fail", reason: `LPTracker answered ${err.code}: ${err.message}` };
  }
  return null;
}
