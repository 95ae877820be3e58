// One chunk of a call-results import: each call stored in call_results (source "import", unique by
// call id, so a file imported twice posts nothing twice), then `POST /api/v4/calls` 50 at a time;
// amoCRM finds the contact by the phone itself, a call nobody has that phone for fails with a reason.
import { getMetadata } from "../amocrm/metadata";
import { importCallsByIds, importRunnable, insertImportCalls, markImportCalls, pendingChunkRows, recordBatch, type BatchOutcome, type CallSync, type ImportRowRecord } from "../db/imports";
import { importRowFacts } from "../sync/rules/facts";
import { writeAudit } from "../db/audit";
import { loadRules, recordInvalidImportRules, runChain } from "../sync/rules/rule-chain";
import { callStatusOf } from "../sync/run/post-calls";
import type { AmoUser, Rule } from "../sync/types";
import { rowToRecord } from "./detect";
import { AMO_BATCH } from "./pipeline-rows";
import { rethrowUnlessBatchProblem, validationErrors } from "./pipeline-amo";
import { LANES_PER_CHUNK, runLanes } from "./pipeline-lanes";
import type { ChunkContext, ChunkResult } from "./pipeline-leads";
import { codedText, type CodedText } from "../lib/errors";
import { amoCallsAnswerSchema } from "../contracts/amocrm";

/** What amoCRM shows as the call's source. */
export const CALL_SOURCE = "Импорт из файла";

function skippedByRule(rules: Rule[], headers: string[], rec: ImportRowRecord): CodedText | null {
  if (rules.length === 0) return null;
  const facts = importRowFacts(rowToRecord(headers, rec.data.values));
  if (rec.data.row?.phone) {
    facts["contact.phone"] = [...rec.data.row.phones];
    facts["contact.phones"] = [...rec.data.row.phones];
  }
  const plan = runChain(rules, "import.row", facts);
  if (!plan.skipped) return null;
  const rule = plan.trace.find((r) => r.ruleId === plan.stoppedBy)?.name ?? String(plan.stoppedBy);
  return codedText("import_row_skipped_by_rule", { row: rec.rowNumber, rule });
}

/** An operator named like an amoCRM user becomes the call's responsible user; otherwise the name is kept as text. */
function operatorOf(users: AmoUser[], operator: string | null): { responsible_user_id?: number; call_responsible?: string } {
  if (!operator) return {};
  const key = operator.trim().toLowerCase();
  const user = users.find((u) => u.name.trim().toLowerCase() === key);
  return user ? { responsible_user_id: user.id } : { call_responsible: operator };
}

function notLogged(rowNumber: number, phone: string, detail: string, noContact: boolean): CodedText {
  // amoCRM answers per call when no contact has the number: the fix is to import that person first.
  return codedText(noContact ? "import_call_not_logged_no_contact" : "import_call_not_logged", { row: rowNumber, phone, detail });
}

export async function processCallChunk(ctx: ChunkContext, chunk: number): Promise<ChunkResult> {
  const result: ChunkResult = { stopped: false, rows: 0, created: 0, updated: 0, skipped: 0, failed: 0, problems: [] };
  const pending = await pendingChunkRows(ctx.t, ctx.imp.id, chunk);
  if (pending.length === 0) return result;
  const meta = await getMetadata(ctx.t);
  // Flagged against the account like the sync's: a rule naming a deleted field skips itself.
  const rules = (await loadRules(ctx.t, meta)).filter((r) => r.trigger === "import.row");
  if (chunk === 0) await recordInvalidImportRules((e) => writeAudit(ctx.t, e), rules, ctx.imp.id);
  const users = meta.users;
  const id = ctx.imp.id;

  await runLanes(Math.ceil(pending.length / AMO_BATCH), LANES_PER_CHUNK, async (b) => {
    if (!(await importRunnable(ctx.t, id))) {
      result.stopped = true;
      return false;
    }
    const outcome: BatchOutcome = { done: [], refused: [] };
    const candidates: ImportRowRecord[] = [];
    for (const rec of pending.slice(b * AMO_BATCH, (b + 1) * AMO_BATCH)) {
      const skip = rec.data.row && rec.data.callId ? skippedByRule(rules, ctx.imp.headers, rec) : codedText("import_row_no_data", { row: rec.rowNumber });
      if (skip) outcome.refused.push({ id: rec.id, status: "skipped", error: skip });
      else candidates.push(rec);
    }

    await insertImportCalls(
      ctx.t,
      candidates.map((rec) => {
        const r = rec.data.row!;
        return {
          callId: rec.data.callId!,
          phone: r.phone ?? undefined,
          direction: "outbound",
          startedAt: r.dateUnix === null ? undefined : r.dateUnix * 1000,
          duration: r.durationSec ?? 0,
          result: r.result ?? undefined,
          recordingUrl: r.recordingUrl ?? undefined,
          operator: r.operator ?? undefined,
          comment: r.comment ?? undefined,
          importId: id,
          syncStatus: "pending",
        };
      }),
    );
    const known = new Map((await importCallsByIds(ctx.t, candidates.map((c) => c.data.callId!))).map((k) => [k.callId, k]));
    const toPost: ImportRowRecord[] = [];
    for (const rec of candidates) {
      const k = known.get(rec.data.callId!);
      if (k?.syncStatus === "posted" && k.importId === id) outcome.done.push({ id: rec.id, status: "created" });
      else if (k?.syncStatus === "posted") {
        outcome.refused.push({ id: rec.id, status: "skipped", error: codedText("import_call_already_imported", { row: rec.rowNumber, importId: k.importId ?? "?" }) });
      } else toPost.push(rec);
    }

    const syncs: CallSync[] = [];
    if (toPost.length) {
      const items = toPost.map((rec) => {
        const r = rec.data.row!;
        const duration = r.durationSec ?? 0;
        return {
          request_id: String(rec.id),
          direction: "outbound",
          phone: r.phone!,
          uniq: rec.data.callId!,
          duration,
          source: CALL_SOURCE,
          call_status: r.callStatus ?? callStatusOf({ duration, result: r.result }),
          ...(r.result ? { call_result: r.result } : {}),
          ...(r.recordingUrl ? { link: r.recordingUrl } : {}),
          ...(r.dateUnix !== null ? { created_at: r.dateUnix } : {}),
          ...operatorOf(users, r.operator),
        };
      });
      // A validation answer names the bad calls: they fail with amoCRM's words, the rest goes once more.
      let sending = toPost;
      const reasons = new Map<string, string>();
      const unmatched = new Set<string>();
      const posted = new Map<string, { id: number; entity_id?: number }>();
      for (let attempt = 0; sending.length > 0 && attempt < 2; attempt++) {
        try {
          const sent = new Set(sending.map((rec) => String(rec.id)));
          const answer = await ctx.amo.send(amoCallsAnswerSchema, "POST", "/api/v4/calls", items.filter((it) => sent.has(it.request_id)));
          for (const c of answer._embedded?.calls ?? []) if (c.id) posted.set(String(c.request_id), { id: c.id, entity_id: c.entity_id ?? undefined });
          for (const e of [...(answer._embedded?.errors ?? []), ...(answer.errors ?? [])]) {
            reasons.set(String(e.request_id), e.detail ?? e.title ?? "error");
            unmatched.add(String(e.request_id));
          }
          break;
        } catch (err) {
          const amoErr = rethrowUnlessBatchProblem(err);
          const bad = amoErr.status === 400 ? validationErrors(amoErr) : new Map<string, string>();
          const named = sending.filter((rec) => bad.has(String(rec.id)));
          if (named.length === 0 || attempt > 0) {
            for (const rec of sending) reasons.set(String(rec.id), bad.get(String(rec.id)) ?? amoErr.message);
            break;
          }
          for (const rec of named) reasons.set(String(rec.id), bad.get(String(rec.id))!);
          sending = sending.filter((rec) => !bad.has(String(rec.id)));
        }
      }
      for (const rec of toPost) {
        const key = String(rec.id);
        const call = posted.get(key);
        const phone = rec.data.row!.phone!;
        if (call) {
          outcome.done.push({ id: rec.id, status: "created" });
          syncs.push({ callId: rec.data.callId!, syncStatus: "posted", importId: id, amoCallId: String(call.id), amoContactId: call.entity_id ? String(call.entity_id) : null });
          continue;
        }
        const detail = reasons.get(key) ?? "no answer for this call";
        outcome.refused.push({ id: rec.id, status: "failed", error: notLogged(rec.rowNumber, phone, detail, unmatched.has(key)) });
        syncs.push({ callId: rec.data.callId!, syncStatus: "failed", importId: id, error: detail });
      }
    }
    // The call's own row first: a crash between the two leaves it posted, and the retry sees that.
    await markImportCalls(ctx.t, syncs);
    await recordBatch(ctx.t, id, outcome);
    result.rows += outcome.done.length + outcome.refused.length;
    for (const d of outcome.done) result[d.status]++;
    for (const r of outcome.refused) result[r.status]++;
    return true;
  });
  return result;
}
