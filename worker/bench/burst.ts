// Sync benchmarks against a running sandbox: a burst of new LPTracker leads (distinct new people,
// half with an e-mail, phones written every which way) through the real webhook path into the
// amoCRM simulator, single-lead latency on a quiet account and while the burst runs, and what the
// echoes of our own writes cost. Everything is counted at the simulators.
import type { Sandbox } from "../scripts/sandbox-lib";
import { signInAdmin } from "./imports";

export interface BurstBenchResult {
  leads: number;
  seconds: number;
  leadsPerSecond: number;
  budgetPerSecond: number;
  /** Leads per second per request-per-second of amoCRM budget (the figure). */
  perBudget: number;
  amoRequests: number;
  amoPerLead: number;
  lptRequests: number;
  lptPerLead: number;
  amoPeak: number;
  tooManyRequests: number;
  forbidden: number;
  duplicateContacts: number;
  duplicateLeads: number;
  eventsNotDone: number;
  quiet: { n: number; p50: number; p95: number };
  duringBurst: { n: number; p50: number; p95: number };
  echo: { amo: number; lpt: number; byRoute: Record<string, number> };
  requestsByRoute: { amo: Record<string, number>; lpt: Record<string, number> };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function total(requests: Record<string, number>): number {
  return Object.values(requests).reduce((n, v) => n + v, 0);
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Ten-digit mobile numbers that never repeat within a run, written in one of five ways. */
function phoneOf(i: number, salt: number): string {
  const n = String((i * 7919 + salt * 104_729 + 1_234_567) % 10_000_000).padStart(7, "0");
  const d = `93${salt % 10}${n}`;
  switch (i % 5) {
    case 0:
      return `+7 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`;
    case 1:
      return `8${d}`;
    case 2:
      return `7${d}`;
    case 3:
      return `+7 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6, 8)} ${d.slice(8)}`;
    default:
      return `8 (${d.slice(0, 3)}) ${d.slice(3)}`;
  }
}

async function pool<T>(items: T[], lanes: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** Watches amoCRM for leads by name and notes when each first appeared. */
class Watcher {
  seen = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void>;
  constructor(private sandbox: Sandbox) {
    this.loop = this.run();
  }
  private async run(): Promise<void> {
    while (!this.stopped) {
      const state = await this.sandbox.amo.state(this.sandbox.demo.accountId);
      const now = Date.now();
      for (const l of state.leads) if (!this.seen.has(l.name)) this.seen.set(l.name, now);
      // The simulators share the machine with the Worker: a tighter poll would slow what it measures.
      await sleep(150);
    }
  }
  async waitFor(names: string[], timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (names.some((n) => !this.seen.has(n))) {
      if (Date.now() > until) throw new Error(`${names.filter((n) => !this.seen.has(n)).length} of ${names.length} leads did not reach amoCRM in ${timeoutMs} ms`);
      await sleep(40);
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

async function eventsBusy(admin: Awaited<ReturnType<typeof signInAdmin>>): Promise<number> {
  let busy = 0;
  for (const status of ["received", "processing"]) {
    const res = await admin.fetch(`/api/admin/events?status=${status}&limit=1`);
    busy += ((await res.json()) as { total: number }).total;
  }
  return busy;
}

async function settle(sandbox: Sandbox, admin: Awaited<ReturnType<typeof signInAdmin>>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let quietSince = 0;
  let last = "";
  for (;;) {
    const [amoState, lptState] = await Promise.all([sandbox.amo.state(sandbox.demo.accountId), sandbox.lpt.state(sandbox.demo.lptLogin)]);
    const mark = `${total(amoState.requests)}:${total(lptState.requests)}:${await eventsBusy(admin)}`;
    if (mark === last && mark.endsWith(":0")) {
      if (Date.now() - quietSince > 2500) return;
    } else {
      last = mark;
      quietSince = Date.now();
    }
    if (Date.now() > until) throw new Error(`the sandbox did not settle in ${timeoutMs} ms (${mark})`);
    await sleep(250);
  }
}

export async function runBurstBench(sandbox: Sandbox, opts: { leads?: number; quiet?: number; probes?: number; budget?: number } = {}): Promise<BurstBenchResult> {
  const leads = opts.leads ?? 150;
  const quietN = opts.quiet ?? 20;
  const probesN = opts.probes ?? 10;
  const budget = opts.budget ?? 7;
  const projectId = sandbox.demo.projectId;
  if (!projectId) throw new Error("the sandbox has no LPTracker project");
  const admin = await signInAdmin(sandbox);
  const salt = Date.now() % 997;

  // A stage map both ways, so that the echo step has something to move.
  const project = (await sandbox.lpt.state(sandbox.demo.lptLogin)).projects.find((p) => p.id === projectId)!;
  const info = await sandbox.amo.account(sandbox.demo.accountId);
  const pipeline = info.pipelines.find((p) => p.is_main) ?? info.pipelines[0]!;
  const open = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && (s as { type?: number }).type !== 1);
  const token = await sandbox.widgetToken();
  const mapping = (await (await fetch(`${sandbox.workerUrl}/api/widget/mapping/${projectId}`, { headers: { "x-auth-token": token } })).json()) as { rows: unknown[] };
  const stageMap = [0, 1].map((i) => ({ lptStageId: project.funnel[i]!.id, amoPipelineId: pipeline.id, amoStatusId: open[i]!.id, direction: "both" }));
  const saved = await fetch(`${sandbox.workerUrl}/api/widget/mapping/${projectId}`, {
    method: "PUT",
    headers: { "x-auth-token": token, "content-type": "application/json" },
    body: JSON.stringify({ rows: mapping.rows.map((r) => ({ ...(r as object), broken: undefined, brokenReason: undefined })), stageMap }),
  });
  if (saved.status !== 200) throw new Error(`saving the stage map answered ${saved.status}: ${await saved.text()}`);

  const watcher = new Watcher(sandbox);
  try {
    // Quiet account: one lead at a time, each waited for before the next.
    const quiet: number[] = [];
    for (let i = 0; i < quietN; i++) {
      const name = `Тихий ${salt}-${i}`;
      const t0 = Date.now();
      await sandbox.lpt.createLead(projectId, { name, contactName: `Тихий клиент ${i}`, phone: phoneOf(10_000 + i, salt), stageId: project.funnel[0]!.id });
      await watcher.waitFor([name], 60_000);
      quiet.push(watcher.seen.get(name)! - t0);
    }
    await settle(sandbox, admin, 60_000);

    const amoBefore = await sandbox.amo.state(sandbox.demo.accountId);
    const lptBefore = await sandbox.lpt.state(sandbox.demo.lptLogin);
    const names = Array.from({ length: leads }, (_, i) => `Всплеск ${salt}-${i}`);
    const started = new Map<string, number>();
    const t0 = Date.now();
    // Probes: single leads sent one by one while the burst is on its way.
    const probeNames = Array.from({ length: probesN }, (_, i) => `Проба ${salt}-${i}`);
    const probes = (async () => {
      await sleep(300);
      for (const [i, name] of probeNames.entries()) {
        started.set(name, Date.now());
        await sandbox.lpt.createLead(projectId, { name, contactName: `Проба ${i}`, phone: phoneOf(20_000 + i, salt), stageId: project.funnel[0]!.id });
        await sleep(700);
      }
    })();
    await pool(names, 16, async (name, i) => {
      started.set(name, Date.now());
      await sandbox.lpt.createLead(projectId, {
        name,
        contactName: `Клиент ${salt}-${i}`,
        phone: phoneOf(i, salt),
        ...(i % 2 === 0 ? { email: `client${salt}.${i}@example.ru` } : {}),
        stageId: project.funnel[0]!.id,
      });
    });
    await watcher.waitFor(names, 10 * 60_000);
    const landed = Math.max(...names.map((n) => watcher.seen.get(n)!));
    await probes;
    try {
      await watcher.waitFor(probeNames, 60_000);
    } catch (err) {
      const hooks = (await sandbox.lpt.state(sandbox.demo.lptLogin)).webhooks;
      throw new Error(`${(err as Error).message}; LPTracker webhooks: ${JSON.stringify(hooks)}`);
    }
    const seconds = (landed - t0) / 1000;
    await settle(sandbox, admin, 5 * 60_000);
    const amoAfter = await sandbox.amo.state(sandbox.demo.accountId);
    const lptAfter = await sandbox.lpt.state(sandbox.demo.lptLogin);
    const during = probeNames.map((n) => watcher.seen.get(n)! - started.get(n)!);

    // Guarantees as seen in amoCRM: one lead per LPTracker lead, one contact per person.
    const burstLeads = amoAfter.leads.filter((l) => l.name.startsWith(`Всплеск ${salt}-`));
    const duplicateLeads = burstLeads.length - new Set(burstLeads.map((l) => l.name)).size;
    const contactNames = amoAfter.contacts.map((c) => c.name).filter((n) => n.startsWith(`Клиент ${salt}-`));
    const duplicateContacts = contactNames.length - new Set(contactNames).size;
    let notDone = 0;
    for (const status of ["failed", "received", "processing", "parked"]) {
      notDone += ((await (await admin.fetch(`/api/admin/events?status=${status}&limit=1`)).json()) as { total: number }).total;
    }

    // Echo: a manager moves one lead in amoCRM; we move LPTracker; LPTracker's update webhook (the
    // echo of our write) and amoCRM's webhooks must cost nothing beyond the move itself.
    const target = burstLeads[0]!;
    const e0 = { amo: (await sandbox.amo.state(sandbox.demo.accountId)).requests, lpt: (await sandbox.lpt.state(sandbox.demo.lptLogin)).requests };
    await sandbox.amo.moveLeadStatus(sandbox.demo.accountId, target.id, { status_id: open[1]!.id, pipeline_id: pipeline.id });
    await settle(sandbox, admin, 60_000);
    const e1 = { amo: (await sandbox.amo.state(sandbox.demo.accountId)).requests, lpt: (await sandbox.lpt.state(sandbox.demo.lptLogin)).requests };
    const echoAmo = diff(e1.amo, e0.amo);
    const echoLpt = diff(e1.lpt, e0.lpt);
    // The move itself: one read of the lead in amoCRM (the webhook is not trusted) and one stage write.
    const moveRoutes = new Set(["GET /api/v4/leads", "GET /api/v4/leads/:id", "PUT /lead/:id/funnel"]);
    const echoBy: Record<string, number> = {};
    let movesLeft = { amo: 1, lpt: 1 };
    for (const [k, v] of Object.entries(echoAmo)) {
      const own = moveRoutes.has(k) ? Math.min(v, movesLeft.amo) : 0;
      movesLeft.amo -= own;
      if (v - own > 0) echoBy[`amoCRM ${k}`] = v - own;
    }
    for (const [k, v] of Object.entries(echoLpt)) {
      const own = moveRoutes.has(k) ? Math.min(v, movesLeft.lpt) : 0;
      movesLeft.lpt -= own;
      if (v - own > 0) echoBy[`LPTracker ${k}`] = v - own;
    }
    movesLeft = { amo: 0, lpt: 0 };

    const amoRequests = total(amoAfter.requests) - total(amoBefore.requests);
    const lptRequests = total(lptAfter.requests) - total(lptBefore.requests);
    const n = leads + probesN;
    const leadsPerSecond = leads / seconds;
    return {
      leads,
      seconds: round(seconds),
      leadsPerSecond: round(leadsPerSecond),
      budgetPerSecond: budget,
      perBudget: round(leadsPerSecond / budget, 3),
      amoRequests,
      amoPerLead: round(amoRequests / n, 3),
      lptRequests,
      lptPerLead: round(lptRequests / n, 3),
      amoPeak: amoAfter.rate.peak,
      tooManyRequests: amoAfter.rate.too_many_requests - amoBefore.rate.too_many_requests,
      forbidden: amoAfter.rate.forbidden - amoBefore.rate.forbidden,
      duplicateContacts,
      duplicateLeads,
      eventsNotDone: notDone,
      quiet: { n: quiet.length, p50: round(quantile(quiet, 0.5) / 1000), p95: round(quantile(quiet, 0.95) / 1000) },
      duringBurst: { n: during.length, p50: round(quantile(during, 0.5) / 1000), p95: round(quantile(during, 0.95) / 1000) },
      echo: {
        amo: Object.entries(echoBy).filter(([k]) => k.startsWith("amoCRM")).reduce((s, [, v]) => s + v, 0),
        lpt: Object.entries(echoBy).filter(([k]) => k.startsWith("LPTracker")).reduce((s, [, v]) => s + v, 0),
        byRoute: echoBy,
      },
      requestsByRoute: { amo: diff(amoAfter.requests, amoBefore.requests), lpt: diff(lptAfter.requests, lptBefore.requests) },
    };
  } finally {
    await watcher.stop();
  }
}
