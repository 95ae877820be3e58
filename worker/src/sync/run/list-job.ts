// The queue job behind the list action «Синхронизировать с LPTracker»: a few selected entities per
// message (then the next message), each pushed to LPTracker and given its own result and reason.
// A redelivered message only finds the items still pending, so nothing is pushed twice.
import type { Env } from "../../env";
import { makeDb } from "../../db/client";
import { tenant, type Tenant } from "../../db/tenant";
import { getAccount } from "../../db/accounts";
import { writeAudit } from "../../db/audit";
import { finishItem, getListJob, listJobCounts, pendingItems, setListJobStatus, type ListItemRow, type ListJobRow } from "../../db/list-jobs";
import { AmoClient, AmoError } from "../../amocrm/client";
import { amoContactSchema, type AmoContact } from "../../contracts/amocrm";
import { LptClient } from "../../lptracker/client";
import { RetryLater } from "../../queue/retry";
import { classifyError } from "./outcome";
import { pushAmoLead, readAmoLead, type PushResult } from "./lpt-push";

/** Entities per queue message: enough to move on, few enough that one message never runs long. */
export const LIST_CHUNK = 5;
/** A contact with more leads than this is refused rather than half-synced. */
const CONTACT_LEADS_MAX = 50;

type ItemOutcome = { status: "created" | "updated" | "skipped" | "failed"; code: string; reason: string; lptLeadIds: number[]; name?: string };

function fromPush(r: PushResult): ItemOutcome {
  return { status: r.status, code: r.code, reason: r.note, lptLeadIds: r.lptLeadId ? [r.lptLeadId] : [] };
}

async function syncLead(env: Env, t: Tenant, job: ListJobRow, amo: AmoClient, lpt: LptClient, leadId: number): Promise<ItemOutcome> {
  const lead = await readAmoLead(amo, leadId);
  if (!lead) return { status: "failed", code: "lead_missing", reason: `amoCRM has no lead ${leadId} (deleted?)`, lptLeadIds: [] };
  const step = (e: Parameters<typeof writeAudit>[1]) => writeAudit(t, { ...e, data: { ...e.data, listJob: job.id } });
  // amoCRM's list_selected() carries no names: the result row shows the one amoCRM has now.
  return { ...fromPush(await pushAmoLead({ env, t, amo, lpt, lead, projectId: job.projectId, step })), name: lead.name ?? undefined };
}

async function syncContact(env: Env, t: Tenant, job: ListJobRow, amo: AmoClient, lpt: LptClient, contactId: number): Promise<ItemOutcome> {
  let contact: AmoContact | null;
  try {
    contact = await amo.read(amoContactSchema, `/api/v4/contacts/${contactId}`, { with: "leads" });
  } catch (err) {
    if (err instanceof AmoError && err.status === 404) contact = null;
    else throw err;
  }
  if (!contact) return { status: "failed", code: "contact_missing", reason: `amoCRM has no contact ${contactId} (deleted?)`, lptLeadIds: [] };
  const leadIds = [...new Set((contact._embedded?.leads ?? []).map((l) => l.id))];
  if (!leadIds.length) return { status: "skipped", code: "no_leads", reason: "the contact has no leads", lptLeadIds: [], name: contact.name ?? undefined };
  if (leadIds.length > CONTACT_LEADS_MAX) return { status: "failed", code: "too_many_leads", reason: `the contact has ${leadIds.length} leads, more than ${CONTACT_LEADS_MAX}; select its leads in the leads list instead`, lptLeadIds: [] };
  const parts: string[] = [];
  const ids: number[] = [];
  const tally = { created: 0, updated: 0, skipped: 0, failed: 0 };
  for (const id of leadIds) {
    const r = await syncLead(env, t, job, amo, lpt, id).catch((err: unknown) => {
      const outcome = classifyError(err);
      if (!outcome || outcome.kind === "retry") throw err;
      return { status: "failed" as const, code: "error", reason: outcome.kind === "park" ? outcome.reason.text : outcome.reason, lptLeadIds: [] };
    });
    tally[r.status]++;
    ids.push(...r.lptLeadIds);
    parts.push(`lead ${id}: ${r.reason}`);
  }
  // The contact as a whole: any failure shows first, then anything new, then updates.
  const status = tally.failed ? "failed" : tally.created ? "created" : tally.updated ? "updated" : "skipped";
  return { status, code: `contact_${status}`, reason: parts.join("; "), lptLeadIds: ids, name: contact.name ?? undefined };
}

async function runItem(env: Env, t: Tenant, job: ListJobRow, amo: AmoClient, lpt: LptClient, item: ListItemRow): Promise<ItemOutcome> {
  if (item.entityType === "company") return { status: "skipped", code: "company", reason: "companies are not synced: select the company's contacts or leads", lptLeadIds: [] };
  try {
    return item.entityType === "lead" ? await syncLead(env, t, job, amo, lpt, item.entityId) : await syncContact(env, t, job, amo, lpt, item.entityId);
  } catch (err) {
    if (err instanceof RetryLater) throw err;
    const outcome = classifyError(err);
    if (!outcome || outcome.kind === "retry") throw err;
    return { status: "failed", code: "error", reason: outcome.kind === "park" ? outcome.reason.text : outcome.reason, lptLeadIds: [] };
  }
}

export async function runListJob(env: Env, accountId: number, jobId: number): Promise<void> {
  const t = tenant(makeDb(env.DB), accountId);
  const job = await getListJob(t, jobId);
  if (!job || job.status === "done" || job.status === "failed") return;
  const account = await getAccount(t);
  if (!account || account.status !== "active") {
    const reason = account?.status === "reauth_required" ? "the integration needs to be reinstalled in amoCRM" : "the integration is not installed";
    for (const item of await pendingItems(t, jobId, 1000)) await finishItem(t, jobId, item.position, "failed", account?.status === "reauth_required" ? "reinstall" : "not_installed", reason);
    await setListJobStatus(t, jobId, "failed", reason);
    return;
  }
  if (job.status === "queued") await setListJobStatus(t, jobId, "running");
  const amo = new AmoClient(env, accountId);
  const lpt = new LptClient(env, accountId);
  for (const item of await pendingItems(t, jobId, LIST_CHUNK)) {
    const r = await runItem(env, t, job, amo, lpt, item);
    await finishItem(t, jobId, item.position, r.status, r.code, r.reason.slice(0, 2000), r.lptLeadIds, r.name?.trim() ? r.name.trim().slice(0, 500) : undefined);
  }
  const counts = await listJobCounts(t, jobId);
  if (counts.pending > 0) {
    await env.SYNC_QUEUE.send({ kind: "list-job", accountId, jobId });
    return;
  }
  await setListJobStatus(t, jobId, "done");
  await writeAudit(t, {
    level: counts.failed ? "warn" : "info",
    source: "widget",
    action: "list.finished",
    message: `List action on ${job.total} ${job.entity}: ${counts.created} created, ${counts.updated} updated, ${counts.skipped} skipped, ${counts.failed} failed.`,
    data: { listJob: jobId, counts },
  });
}

/** The queue gave up on a chunk: what is still pending fails with the reason, the job ends. */
export async function deadListJob(env: Env, accountId: number, jobId: number, attempts: number): Promise<void> {
  const t = tenant(makeDb(env.DB), accountId);
  const reason = `gave up after ${attempts} attempts (amoCRM or LPTracker kept failing); run the action again for these`;
  for (const item of await pendingItems(t, jobId, 1000)) await finishItem(t, jobId, item.position, "failed", "gave_up", reason);
  await setListJobStatus(t, jobId, "done");
}
