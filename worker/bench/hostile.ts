// Hostile bodies against a running sandbox: the CPU time workerd spends on the worst body of each
// kind (amoCRM form, LPTracker JSON, CSV upload, long logged header) next to a normal request of the
// same route, as a ratio. CPU is read from the kernel (per-thread schedstat of the sandbox's workerd
// processes, in ns) around each request, one request at a time; the median of several is kept.
import { readdirSync, readFileSync } from "node:fs";
import type { Sandbox } from "../scripts/sandbox-lib";
import { sandboxWorkerdMemory, signInAdmin } from "./imports";

/** CPU time of every thread of these processes, in ms. */
function cpuMs(pids: number[]): number {
  let ns = 0;
  for (const pid of pids) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        /* the thread ended meanwhile */
      }
    }
  }
  return ns / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Body {
  label: string;
  send: () => Promise<Response>;
}

export interface HostileKind {
  kind: string;
  normal: { label: string; cpuMs: number; status: number };
  worst: { label: string; cpuMs: number; status: number; bytes: number };
  /** Every hostile body measured, with its CPU time and answer. */
  hostile: { label: string; cpuMs: number; status: number; bytes: number }[];
  ratio: number;
}

async function measure(pids: number[], body: Body, runs: number): Promise<{ cpuMs: number; status: number }> {
  const samples: number[] = [];
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const before = cpuMs(pids);
    const res = await body.send();
    await res.arrayBuffer();
    samples.push(cpuMs(pids) - before);
    status = res.status;
    // Lets what a request queued (a stored event, a log line) run outside the next sample.
    await new Promise((r) => setTimeout(r, 50));
  }
  return { cpuMs: Math.round(median(samples) * 100) / 100, status };
}

async function amoHookUrl(sandbox: Sandbox): Promise<string> {
  const state = (await sandbox.amo.state(sandbox.demo.accountId)) as unknown as { webhooks?: { destination: string }[] };
  const url = state.webhooks?.find((w) => w.destination.includes("/hooks/amocrm/"))?.destination;
  if (!url) throw new Error("the demo amoCRM account has no webhook of ours registered");
  return url.replace(/^https?:\/\/[^/]+/, sandbox.workerUrl);
}

async function lptHookUrl(sandbox: Sandbox): Promise<{ url: string; projectId: number }> {
  const state = await sandbox.lpt.state(sandbox.demo.lptLogin);
  const project = state.projects[0]!;
  const url = project.callbackUrls[0]?.url;
  if (!url) throw new Error("the demo LPTracker project has no webhook registered");
  return { url, projectId: project.id };
}

const MB = 1024 * 1024;
/** Just under MAX_BODY_BYTES (1 MB), so the body is read and parsed rather than refused by size. */
const BODY = MB - 1024;

function fill(unit: string, bytes: number): string {
  return unit.repeat(Math.floor(bytes / unit.length));
}

export async function runHostileBench(sandbox: Sandbox, opts: { runs?: number } = {}): Promise<HostileKind[]> {
  const runs = opts.runs ?? 7;
  const { pids } = sandboxWorkerdMemory(sandbox);
  if (!pids.length) throw new Error("no workerd process found under this sandbox's wrangler dev");
  const post = (url: string, body: string | FormData, type?: string, headers: Record<string, string> = {}) => () =>
    fetch(url, { method: "POST", body, headers: { ...(type ? { "content-type": type } : {}), ...headers } });
  const out: HostileKind[] = [];

  async function kind(name: string, normal: Body, hostile: (Body & { bytes: number })[]): Promise<void> {
    const n = await measure(pids, normal, runs);
    const measured: HostileKind["hostile"] = [];
    for (const h of hostile) {
      const m = await measure(pids, h, Math.max(3, Math.ceil(runs / 2)));
      measured.push({ label: h.label, cpuMs: m.cpuMs, status: m.status, bytes: h.bytes });
    }
    const worst = measured.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
    out.push({ kind: name, normal: { label: normal.label, ...n }, worst, hostile: measured, ratio: Math.round((worst.cpuMs / Math.max(n.cpuMs, 0.01)) * 10) / 10 });
  }

  // amoCRM webhook form (PHP-style keys). The rate limit allows 600 a minute per key: well above these.
  const amo = await amoHookUrl(sandbox);
  const form = "application/x-www-form-urlencoded";
  const acc = `account[id]=${sandbox.demo.accountId}`;
  await kind(
    "amoCRM form body",
    { label: "one status change (300 B)", send: post(amo, `leads[status][0][id]=1&leads[status][0][status_id]=142&leads[status][0][pipeline_id]=1&leads[status][0][old_status_id]=2&leads[status][0][updated_at]=${Date.now()}&${acc}`, form) },
    [
      { label: "1 MB of `a[]=1&` (quadratic before)", bytes: BODY, send: post(amo, fill("a[]=1&", BODY), form) },
      { label: "9,999 `a[]` keys with long values", bytes: BODY, send: post(amo, `${fill(`a[]=${"x".repeat(96)}&`, BODY - 200).split("&").slice(0, 9_998).join("&")}&${acc}`, form) },
      { label: "9,999 keys 12 levels deep", bytes: BODY, send: post(amo, `${Array.from({ length: 9_998 }, (_, i) => `a[${i}][b][c][d][e][f][g][h][i][j][k]=1`).join("&").slice(0, BODY - 200)}&${acc}`, form) },
    ],
  );

  // LPTracker JSON. A valid normal event is queued; the malformed ones are kept (within the quota).
  const { url: lpt, projectId } = await lptHookUrl(sandbox);
  const json = "application/json";
  await kind(
    "LPTracker JSON body",
    { label: "one lead event (120 B)", send: post(lpt, JSON.stringify({ action: "update", action_timestamp: Date.now(), id: 987_654_321, project_id: projectId }), json) },
    [
      { label: "1 MB of nested `[`", bytes: BODY, send: post(lpt, `{"id":1,"x":${fill("[", BODY - 40)}`, json) },
      { label: "1 MB object of 60,000 keys", bytes: BODY, send: post(lpt, JSON.stringify({ id: 987_654_322, project_id: projectId, ...Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i])) }).slice(0, BODY), json) },
      { label: "1 MB of escaped characters", bytes: BODY, send: post(lpt, `{"id":987654323,"project_id":${projectId},"s":"${fill("\\u0041\\\"", BODY - 80)}"}`, json) },
      { label: "form field `data` of 1 MB", bytes: BODY, send: post(lpt, `data=${encodeURIComponent(`{"id":1,"s":"${"x".repeat(BODY / 4)}"}`)}${fill("&a=1", BODY / 2)}`, form) },
    ],
  );

  // CSV uploads through the admin page's API (each one stored, as an admin's would be).
  const admin = await signInAdmin(sandbox);
  const upload = (name: string, text: string) => () => {
    const fd = new FormData();
    fd.append("file", new Blob([text], { type: "text/csv" }), name);
    return admin.fetch("/api/admin/imports", { method: "POST", body: fd });
  };
  const CSV = 4 * MB;
  await kind(
    "CSV upload",
    { label: "20 rows (1 KB)", send: upload("normal.csv", `Телефон;Имя\n${Array.from({ length: 20 }, (_, i) => `+7917000${String(i).padStart(4, "0")};Клиент ${i}`).join("\n")}\n`) },
    [
      { label: "4 MB quoted field of `\"\"`", bytes: CSV, send: upload("quotes.csv", `Телефон;Имя\n"${fill('""', CSV - 40)}";x\n`) },
      { label: "4 MB of empty fields on 2 lines", bytes: CSV, send: upload("fields.csv", `${fill(";", CSV / 2)}\n${fill(";", CSV / 2)}\n`) },
      { label: "4 MB unclosed quote", bytes: CSV, send: upload("open.csv", `Телефон;Имя\n"${fill("x;", CSV - 40)}`) },
    ],
  );

  // A long header that the disconnect hook logs (masked) before it checks the signature.
  const disconnect = `${sandbox.workerUrl}/oauth/amocrm/disconnect`;
  const header = (value: string) => () => fetch(disconnect, { method: "POST", body: "account_id=1", headers: { "content-type": value } });
  const H = 16 * 1024;
  await kind(
    "long header (log masking)",
    { label: "normal content-type", send: header("application/x-www-form-urlencoded") },
    [
      { label: "16 KB of local-part characters", bytes: H, send: header(`application/x-www-form-urlencoded; ${fill("a", H)}`) },
      { label: "16 KB of `1 ` (phone-like)", bytes: H, send: header(`application/x-www-form-urlencoded; ${fill("1 ", H)}`) },
      { label: "16 KB of `a@a.` (e-mail-like)", bytes: H, send: header(`application/x-www-form-urlencoded; ${fill("a@a.", H)}`) },
    ],
  );
  return out;
}
