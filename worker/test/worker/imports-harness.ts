// Steps the import suites share: build a sheet, upload it through the admin API, start it, read an
// import's view and wait for it, and a queue binding that loses what is sent to it.
import { env } from "cloudflare:test";
import { expect, vi } from "vitest";
import * as XLSX from "xlsx";
import { adminFetch, type Installed } from "./harness";
import type { Env } from "../../src/env";
import type { ImportStartRequest, ImportUploadResponse, ImportView } from "../../src/api-types";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Worker's bindings with a queue that loses every message sent to it. */
export const losingQueue = { ...env, SYNC_QUEUE: { send: async () => {}, sendBatch: async () => {} } } as unknown as Env;

/** An XLSX workbook of one sheet holding `rows` (the first is the header). */
export function sheetFile(rows: unknown[][], sheetName = "Лист1"): Uint8Array {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), sheetName);
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer);
}

/** Uploads a file as the admin page does; anything but 201 fails with the answer's text. */
export async function uploadImport(a: Installed, name: string, bytes: Uint8Array): Promise<ImportUploadResponse> {
  const form = new FormData();
  form.append("file", new File([bytes], name));
  const res = await adminFetch(a, "/api/admin/imports", { method: "POST", body: form });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as ImportUploadResponse;
}

export async function startImportAs(a: Installed, id: number, kind: ImportStartRequest["kind"], columns: ImportUploadResponse["detected"]): Promise<void> {
  const res = await adminFetch(a, `/api/admin/imports/${id}/start`, { method: "POST", json: { kind, columns } });
  expect(res.status).toBe(202);
}

export async function importView(a: Installed, id: number): Promise<ImportView> {
  return (await (await adminFetch(a, `/api/admin/imports/${id}`)).json()) as ImportView;
}

const ended = (v: ImportView) => ["done", "failed", "cancelled"].includes(v.status);

/** Polls the import's view until `until` holds (by default: the import ended); returns that view. */
export async function waitForImport(a: Installed, id: number, until: (v: ImportView) => boolean = ended, intervalMs = 200): Promise<ImportView> {
  let last: ImportView | null = null;
  await vi.waitUntil(
    async () => {
      last = await importView(a, id);
      return until(last);
    },
    { timeout: 60_000, interval: intervalMs },
  );
  return last!;
}
