// Intake benchmarks on a running sandbox: webhook intake latency next to a bare route in the same
// workerd (p50/p99 and their ratio), and how many events are lost at 200 req/s for 30 s.
import type { Sandbox } from "../scripts/sandbox-lib";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function hookUrl(sandbox: Sandbox): Promise<{ url: string; projectId: number }> {
  const state = await sandbox.lpt.state(sandbox.demo.lptLogin);
  const project = state.projects[0]!;
  const url = project.callbackUrls[0]?.url;
  if (!url) throw new Error("the demo LPTracker project has no webhook registered");
  return { url, projectId: project.id };
}

let seq = Date.now();
function eventBody(projectId: number): string {
  seq += 1;
  // A lead id LPTracker does not know: the sync job re-reads it, gets 404 and skips it cheaply.
  return JSON.stringify({ action: "update", action_timestamp: seq, id: 900_000_000 + (seq % 100_000_000), project_id: projectId, name: "bench" });
}

async function timed(fn: () => Promise<Response>): Promise<number> {
  const t0 = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`benchmark request answered ${res.status}`);
  return performance.now() - t0;
}

export interface IntakeLatency {
  samples: number;
  intakeP50: number;
  intakeP99: number;
  bareP50: number;
  bareP99: number;
  p50Ratio: number;
  p99Ratio: number;
}

export async function runIntakeLatency(sandbox: Sandbox, samples = 400): Promise<IntakeLatency> {
  const { url, projectId } = await hookUrl(sandbox);
  const bare = `${sandbox.workerUrl}/dev/bare`;
  const post = () => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: eventBody(projectId) });
  // The bare route takes the same POST with the same body, so the ratio is the intake's own work.
  const get = () => fetch(bare, { method: "POST", headers: { "content-type": "application/json" }, body: eventBody(projectId) });
  for (let i = 0; i < 30; i++) {
    await timed(post);
    await timed(get);
  }
  const a: number[] = [];
  const b: number[] = [];
  // Interleaved, so both routes see the same machine load.
  for (let i = 0; i < samples; i++) {
    a.push(await timed(post));
    b.push(await timed(get));
  }
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  const r = (x: number) => Math.round(x * 100) / 100;
  const intakeP50 = percentile(a, 50);
  const bareP50 = percentile(b, 50);
  const intakeP99 = percentile(a, 99);
  const bareP99 = percentile(b, 99);
  return { samples, intakeP50: r(intakeP50), intakeP99: r(intakeP99), bareP50: r(bareP50), bareP99: r(bareP99), p50Ratio: r(intakeP50 / bareP50), p99Ratio: r(intakeP99 / bareP99) };
}

export interface IntakeLoad {
  rate: number;
  seconds: number;
  sent: number;
  answered200: number;
  stored: number;
  lost: number;
}

export async function runIntakeLoad(sandbox: Sandbox, rate = 200, seconds = 30): Promise<IntakeLoad> {
  const { url, projectId } = await hookUrl(sandbox);
  const count = async () => ((await (await fetch(`${sandbox.workerUrl}/dev/events/count?source=lptracker`)).json()) as { count: number }).count;
  const before = await count();
  const total = rate * seconds;
  const start = performance.now();
  const pending: Promise<number>[] = [];
  // Open loop: requests leave on schedule whether or not earlier ones were answered.
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: eventBody(projectId) })
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        })
        .catch(() => 0),
    );
  }
  const statuses = await Promise.all(pending);
  // Accepted events reach D1 through the hook-intake queue; wait until the count stops growing.
  let stored = (await count()) - before;
  for (let still = 0, until = performance.now() + 120_000; still < 3 && stored < total && performance.now() < until; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = (await count()) - before;
    still = now === stored ? still + 1 : 0;
    stored = now;
  }
  const answered200 = statuses.filter((s) => s === 200).length;
  return { rate, seconds, sent: total, answered200, stored, lost: total - stored };
}
