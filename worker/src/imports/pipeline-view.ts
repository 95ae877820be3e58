// An import as the admin page shows it (ImportView): counters, the rate since the start and the time
// left at that rate, computed from the stored row, so every poll answers from one read.
import type { ImportStatus, ImportView } from "../api-types";
import type { ImportRow } from "../db/imports";
import type { TextRef } from "../lib/errors";

function rate(row: ImportRow, now: number): number | null {
  if (row.startedAt === null || row.done <= 0) return null;
  const end = row.finishedAt ?? now;
  const seconds = Math.max(0.001, (end - row.startedAt) / 1000);
  return Math.round((row.done / seconds) * 10) / 10;
}

export function importView(row: ImportRow, errors: { row: number; reason: string; reasonText: TextRef | null }[] = [], now: number = Date.now()): ImportView {
  const ratePerSec = rate(row, now);
  const left = Math.max(0, row.total - row.done);
  const etaSec = row.status === "processing" && ratePerSec ? Math.ceil(left / ratePerSec) : null;
  return {
    id: row.id,
    kind: row.kind === "leads" || row.kind === "calls" ? row.kind : null,
    status: row.status,
    fileName: row.fileName,
    fileSize: row.fileSize,
    total: row.total,
    done: row.done,
    created: row.created,
    updated: row.updated,
    skipped: row.skipped,
    failed: row.failed,
    ratePerSec,
    etaSec,
    error: row.error,
    errorText: row.errorText ?? null,
    hasReport: row.reportKey !== null,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    errors,
  };
}
