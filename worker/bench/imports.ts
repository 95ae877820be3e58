// Import benchmarks against a running sandbox (what startSandbox() returns): a 10,000-row leads
// file through the real admin API into the amoCRM simulator, measured against the 350 rows/s
// ceiling (7 requests/s × 50 leads); and a 100,000-row parse inside workerd, with its memory.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as XLSX from "xlsx";
import type { Sandbox } from "../scripts/sandbox-lib";
import { generateLeadsXlsx, manyBigPartsXlsx } from "./gen-xlsx";
import type { ImportUploadResponse, ImportView } from "../src/api-types";

/** 7 requests per second, 50 leads per `/api/v4/leads/complex` request. */
export const CEILING_ROWS_PER_SECOND = 350;

export interface ImportBenchResult {
  rows: number;
  /** From the upload request to the import's `finishedAt` (same machine clock): what the admin waits. */
  seconds: number;
  rowsPerSecond: number;
  ceiling: number;
  ratio: number;
  /** amoCRM API requests the import made, counted by the simulator. */
  amoRequests: number;
  requestsPerRow: number;
  detail: {
    uploadSeconds: number;
    /** From the start request to `finishedAt`. */
    processingSeconds: number;
    /** Until the poll saw it done (adds up to one poll interval and the answer's latency). */
    observedSeconds: number;
    existingContacts: number;
    created: number;
    updated: number;
    skipped: number;
    failed: number;
    requestsByRoute: Record<string, number>;
    ratePeak: number;
    tooManyRequests: number;
  };
}

export interface ParseBenchResult {
  rows: number;
  fileBytes: number;
  /** Wall time of the sandbox-only parse route (read + normalise + dedupe + serialise). */
  parseSeconds: number;
  /** The route's own clock: the read (by `reader`: SheetJS, or the streaming XLSX reader), then normalisation and dedupe. */
  inside: { reader: string; readMs: number; prepareMs: number; totalMs: number };
  /** The upload request parses the whole file too, to refuse a bad one before storing it. */
  uploadSeconds: number;
  /**
   * workerd's resident memory (the largest of the sandbox's workerd processes): before, and its
   * peak (VmHWM, reset just before each step) during the upload and during the parse. The peak
   * minus the level before is an upper bound on what the step needed; it also counts allocator
   * and V8 heap growth that a 128 MB isolate would have collected instead.
   */
  memory: { baselineMb: number; uploadPeakMb: number; parsePeakMb: number; uploadDeltaMb: number; parseDeltaMb: number };
  under128Mb: boolean;
}

interface Admin {
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Signs in as the demo account's admin the way the widget does: one-time link, then the cookie. */
export async function signInAdmin(sandbox: Sandbox): Promise<Admin> {
  const link = await fetch(`${sandbox.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sandbox.widgetToken() } });
  if (link.status !== 200) throw new Error(`admin-link answered ${link.status}: ${await link.text()}`);
  const { url } = (await link.json()) as { url: string };
  const opened = await fetch(url, { redirect: "manual" });
  const cookie = opened.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .find((c) => /admin_session=/.test(c));
  if (!cookie) throw new Error(`the admin link set no session cookie (status ${opened.status})`);
  return {
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("cookie", cookie);
      if (init.method && init.method !== "GET") headers.set("origin", sandbox.workerUrl);
      return fetch(`${sandbox.workerUrl}${path}`, { ...init, headers });
    },
  };
}

/**
 * Generating a big file keeps Node busy for seconds; a kept-alive socket may be closed meanwhile and
 * the next POST would fail on it. A throwaway GET (retried once) takes that stale socket first.
 */
async function wakeUp(sandbox: Pick<Sandbox, "workerUrl">): Promise<void> {
  await fetch(`${sandbox.workerUrl}/healthz`).catch(() => fetch(`${sandbox.workerUrl}/healthz`));
}

async function uploadFile(admin: Admin, name: string, bytes: Uint8Array): Promise<ImportUploadResponse> {
  const form = new FormData();
  form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
  const res = await admin.fetch("/api/admin/imports", { method: "POST", body: form });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as ImportUploadResponse;
}

async function waitDone(admin: Admin, id: number, timeoutMs: number): Promise<ImportView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const view = (await (await admin.fetch(`/api/admin/imports/${id}`)).json()) as ImportView;
    if (view.status === "done") return view;
    if (view.status === "failed" || view.status === "cancelled") throw new Error(`import ${id} ended ${view.status}: ${view.error ?? ""}`);
    if (Date.now() > until) throw new Error(`import ${id} not done after ${timeoutMs} ms (${view.done}/${view.total})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function total(requests: Record<string, number>): number {
  return Object.values(requests).reduce((n, v) => n + v, 0);
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Distinct mobile numbers for seeded contacts, spread so they never follow each other. */
function seededPhone(i: number): string {
  return `+7958${String((i * 7919 + 1_000_003) % 10_000_000).padStart(7, "0")}`;
}

async function seedContacts(sandbox: Sandbox, count: number): Promise<string[]> {
  const phones = Array.from({ length: count }, (_, i) => seededPhone(i));
  const workers = 16;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < phones.length) {
        const i = next++;
        await sandbox.amo.createContact(sandbox.demo.accountId, {
          name: `Клиент ${i + 1}`,
          custom_fields_values: [{ field_code: "PHONE", values: [{ value: phones[i]!, enum_code: "WORK" }] }],
        });
      }
    }),
  );
  return phones;
}

export async function runImportBench(sandbox: Sandbox, opts: { rows?: number; existing?: number; seed?: number } = {}): Promise<ImportBenchResult> {
  const rows = opts.rows ?? 10_000;
  const existing = await seedContacts(sandbox, opts.existing ?? 3_000);
  const file = generateLeadsXlsx({ rows, matchShare: 0.3, existingPhones: existing, seed: opts.seed ?? 42 });
  await wakeUp(sandbox);
  const admin = await signInAdmin(sandbox);
  const before = await sandbox.amo.state(sandbox.demo.accountId);

  const t0 = Date.now();
  const up = await uploadFile(admin, file.fileName, file.bytes);
  const t1 = Date.now();
  const start = await admin.fetch(`/api/admin/imports/${up.id}/start`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "leads", columns: up.detected }) });
  if (start.status !== 202) throw new Error(`start answered ${start.status}: ${await start.text()}`);
  const done = await waitDone(admin, up.id, 15 * 60_000);
  const seen = Date.now();
  const finished = done.finishedAt ?? seen;

  const after = await sandbox.amo.state(sandbox.demo.accountId);
  const seconds = (finished - t0) / 1000;
  const amoRequests = total(after.requests) - total(before.requests);
  const rowsPerSecond = rows / seconds;
  return {
    rows,
    seconds: round(seconds, 2),
    rowsPerSecond: round(rowsPerSecond, 1),
    ceiling: CEILING_ROWS_PER_SECOND,
    ratio: round(rowsPerSecond / CEILING_ROWS_PER_SECOND, 3),
    amoRequests,
    requestsPerRow: round(amoRequests / rows, 4),
    detail: {
      uploadSeconds: round((t1 - t0) / 1000, 2),
      processingSeconds: round((finished - t1) / 1000, 2),
      observedSeconds: round((seen - t0) / 1000, 2),
      existingContacts: existing.length,
      created: done.created,
      updated: done.updated,
      skipped: done.skipped,
      failed: done.failed,
      requestsByRoute: diff(after.requests, before.requests),
      ratePeak: after.rate.peak,
      tooManyRequests: after.rate.too_many_requests - before.rate.too_many_requests,
    },
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** kB figures of /proc/<pid>/status, or null when the process is gone. */
function procStatus(pid: number): { name: string; ppid: number; hwmKb: number; rssKb: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (key: string) => /^\s*(\S+)/.exec(new RegExp(`^${key}:(.*)$`, "m").exec(text)?.[1] ?? "")?.[1] ?? "";
    return { name: field("Name"), ppid: Number(field("PPid")), hwmKb: Number(field("VmHWM")) || 0, rssKb: Number(field("VmRSS")) || 0 };
  } catch {
    return null;
  }
}

/** The workerd processes under the `wrangler dev` that serves this sandbox's port. */
export function sandboxWorkerdMemory(sandbox: Pick<Sandbox, "workerUrl">): { pids: number[]; hwmMb: number; rssMb: number } {
  const port = new URL(sandbox.workerUrl).port;
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  const info = new Map(all.map((pid) => [pid, procStatus(pid)] as const));
  const roots = all.filter((pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return args.some((a) => a.endsWith("wrangler") || a.includes("wrangler-dist")) && args.includes("dev") && args.includes(port);
    } catch {
      return false;
    }
  });
  const isUnder = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 20; hops++) {
      if (roots.includes(p)) return true;
      p = info.get(p)?.ppid;
    }
    return false;
  };
  const workerd = all.filter((pid) => info.get(pid)?.name === "workerd" && isUnder(pid));
  const hwm = Math.max(0, ...workerd.map((pid) => info.get(pid)!.hwmKb));
  const rss = Math.max(0, ...workerd.map((pid) => info.get(pid)!.rssKb));
  return { pids: workerd, hwmMb: round(hwm / 1024, 1), rssMb: round(rss / 1024, 1) };
}

/** Resets VmHWM (peak RSS) of the given processes to their current RSS (Linux `clear_refs` 5). */
function resetPeak(pids: number[]): void {
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, "5");
    } catch {
      /* not ours or gone: its peak then covers more than the step, still an upper bound */
    }
  }
}

/**
 * The parse benchmark's leads file: an XLSX, or the same rows as a CSV saved the way Russian Excel
 * does (windows-1251, `;`), which exercises the CSV reader and its legacy decoding.
 */
export function parseBenchFile(rows: number, format: "xlsx" | "csv-1251" = "xlsx"): { fileName: string; bytes: Uint8Array } {
  const file = generateLeadsXlsx({ rows, seed: 99 });
  if (format === "xlsx") return file;
  const wb = XLSX.read(file.bytes, { type: "array" });
  const csv = XLSX.utils.sheet_to_csv(wb.Sheets[wb.SheetNames[0]!]!, { FS: ";", RS: "\r\n" });
  return { fileName: `leads-${rows}.csv`, bytes: encodeCp1251(csv) };
}

/** Text as windows-1251 bytes, built by inverting the platform's decoder over all 256 bytes. */
function encodeCp1251(text: string): Uint8Array {
  const chars = new TextDecoder("windows-1251").decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const byChar = new Map([...chars].map((ch, i) => [ch, i]));
  const out = new Uint8Array(text.length);
  let n = 0;
  for (const ch of text) out[n++] = byChar.get(ch) ?? 0x3f;
  return out.subarray(0, n);
}

export async function runParseBench(sandbox: Sandbox, opts: { rows?: number; format?: "xlsx" | "csv-1251" } = {}): Promise<ParseBenchResult> {
  const rows = opts.rows ?? 100_000;
  const file = parseBenchFile(rows, opts.format);
  await wakeUp(sandbox);
  const admin = await signInAdmin(sandbox);
  const before = sandboxWorkerdMemory(sandbox);
  if (before.pids.length === 0) throw new Error("no workerd process found under this sandbox's wrangler dev");

  resetPeak(before.pids);
  const t0 = performance.now();
  const up = await uploadFile(admin, file.fileName, file.bytes);
  const t1 = performance.now();
  const afterUpload = sandboxWorkerdMemory(sandbox);

  resetPeak(before.pids);
  const beforeParse = sandboxWorkerdMemory(sandbox);
  const res = await fetch(`${sandbox.workerUrl}/dev/imports/${up.id}/parse-bench?account=${sandbox.demo.accountId}`, { method: "POST" });
  if (res.status !== 200) throw new Error(`parse-bench answered ${res.status}: ${await res.text()}`);
  const inside = (await res.json()) as { rows: number; reader: string; readMs: number; prepareMs: number; totalMs: number };
  const t2 = performance.now();
  const afterParse = sandboxWorkerdMemory(sandbox);
  const parseDeltaMb = round(afterParse.hwmMb - beforeParse.rssMb, 1);
  return {
    rows: inside.rows,
    fileBytes: file.bytes.byteLength,
    parseSeconds: round((t2 - t1) / 1000, 2),
    inside: { reader: inside.reader, readMs: inside.readMs, prepareMs: inside.prepareMs, totalMs: inside.totalMs },
    uploadSeconds: round((t1 - t0) / 1000, 2),
    memory: {
      baselineMb: before.rssMb,
      uploadPeakMb: afterUpload.hwmMb,
      parsePeakMb: afterParse.hwmMb,
      uploadDeltaMb: round(afterUpload.hwmMb - before.rssMb, 1),
      parseDeltaMb,
    },
    under128Mb: parseDeltaMb < 128,
  };
}

export interface WorstUploadResult {
  fileBytes: number;
  /** What the file's parts claim once unpacked (SheetJS would unpack all of it). */
  declaredMb: number;
  uploadSeconds: number;
  /** workerd's peak over its level before the upload (an upper bound, as for the parse). */
  peakDeltaMb: number;
  under128Mb: boolean;
}

/**
 * The worst upload we know of for memory: a small XLSX of many 10 MB parts that pass every
 * declared-size check (gen-xlsx `manyBigPartsXlsx`). Uploaded through the real route; workerd's
 * peak is measured around it.
 */
export async function runWorstUploadBench(sandbox: Sandbox): Promise<WorstUploadResult> {
  const bytes = manyBigPartsXlsx();
  await wakeUp(sandbox);
  const admin = await signInAdmin(sandbox);
  const before = sandboxWorkerdMemory(sandbox);
  if (before.pids.length === 0) throw new Error("no workerd process found under this sandbox's wrangler dev");
  resetPeak(before.pids);
  const t0 = performance.now();
  await uploadFile(admin, "many-parts.xlsx", bytes);
  const t1 = performance.now();
  const after = sandboxWorkerdMemory(sandbox);
  const peakDeltaMb = round(after.hwmMb - before.rssMb, 1);
  return {
    fileBytes: bytes.byteLength,
    declaredMb: round((18 * (1 + 258 * Math.floor((10 * 1024 * 1024 - 1) / 258))) / 1048576, 0),
    uploadSeconds: round((t1 - t0) / 1000, 2),
    peakDeltaMb,
    under128Mb: peakDeltaMb < 128,
  };
}
