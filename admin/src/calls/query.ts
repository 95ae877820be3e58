// The calls filter as it lives in the address bar (dates as calendar days) and as the API wants it
// (epoch ms), so that a filtered view survives a reload and can be shared. Pure.
import { dateInputToMs } from "../format";

export const PAGE = 50;
export const SYNC_STATES = ["pending", "posted", "failed"] as const;

export interface CallFilter {
  from: string;
  to: string;
  result: string;
  syncStatus: string;
  sort: "startedAt" | "duration";
  dir: "asc" | "desc";
  offset: number;
}

export function readCallFilter(p: URLSearchParams): CallFilter {
  const offset = Number(p.get("offset"));
  const sync = p.get("syncStatus") ?? "";
  return {
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
    result: p.get("result") ?? "",
    syncStatus: (SYNC_STATES as readonly string[]).includes(sync) ? sync : "",
    sort: p.get("sort") === "duration" ? "duration" : "startedAt",
    dir: p.get("dir") === "asc" ? "asc" : "desc",
    offset: Number.isSafeInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** Only what differs from the defaults goes into the address. */
export function callFilterParams(f: CallFilter): Record<string, string | number | undefined> {
  return {
    from: f.from || undefined,
    to: f.to || undefined,
    result: f.result || undefined,
    syncStatus: f.syncStatus || undefined,
    sort: f.sort === "startedAt" ? undefined : f.sort,
    dir: f.dir === "desc" ? undefined : f.dir,
    offset: f.offset || undefined,
  };
}

export function callApiQuery(f: CallFilter, limit = PAGE): Record<string, string | number | undefined> {
  return {
    from: dateInputToMs(f.from),
    to: dateInputToMs(f.to, true),
    result: f.result || undefined,
    syncStatus: f.syncStatus || undefined,
    sort: f.sort,
    dir: f.dir,
    limit,
    offset: f.offset,
  };
}

/** Clicking a column: a new column sorts newest/longest first, the same column flips. */
export function toggleSort(f: CallFilter, column: CallFilter["sort"]): CallFilter {
  if (f.sort !== column) return { ...f, sort: column, dir: "desc", offset: 0 };
  return { ...f, dir: f.dir === "desc" ? "asc" : "desc", offset: 0 };
}
