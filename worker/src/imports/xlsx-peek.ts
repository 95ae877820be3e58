// Reads the first worksheet's declared size (`<dimension ref>`) from an XLSX by inflating only a few
// kilobytes, so a million-row sheet is refused before SheetJS inflates and splits all of it.
import { inflateRaw } from "./inflate";
import { entryPayload, type ZipEntry } from "./zip-guard";

const HEAD_BYTES = 64 * 1024;
const SMALL_PART_BYTES = 4 * 1024 * 1024;

function entryBytes(bytes: Uint8Array, entry: ZipEntry, maxOutput: number): Uint8Array | null {
  const raw = entryPayload(bytes, entry);
  if (!raw) return null;
  if (entry.method === 0) return raw.subarray(0, maxOutput);
  return entry.method === 8 ? inflateRaw(raw, maxOutput).data : null;
}

function textOf(bytes: Uint8Array, entries: ZipEntry[], name: string, maxOutput: number): string | null {
  const entry = entries.find((e) => e.name.replace(/^\//, "") === name);
  if (!entry) return null;
  const data = entryBytes(bytes, entry, maxOutput);
  return data ? new TextDecoder("utf-8").decode(data) : null;
}

/** Path inside the archive of the first sheet in workbook order, via the workbook's relationships. */
export function firstSheetPath(bytes: Uint8Array, entries: ZipEntry[]): string | null {
  const workbook = textOf(bytes, entries, "xl/workbook.xml", SMALL_PART_BYTES);
  const rels = textOf(bytes, entries, "xl/_rels/workbook.xml.rels", SMALL_PART_BYTES);
  if (!workbook || !rels) return null;
  const sheet = /<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id="([^"]+)"/.exec(workbook);
  if (!sheet) return null;
  const id = sheet[1]!;
  for (const m of rels.matchAll(/<(?:\w+:)?Relationship\b[^>]*>/g)) {
    const tag = m[0];
    if (/\sId="([^"]+)"/.exec(tag)?.[1] !== id) continue;
    const target = /\sTarget="([^"]+)"/.exec(tag)?.[1];
    if (!target) return null;
    return target.startsWith("/") ? target.slice(1) : `xl/${target.replace(/^\.\//, "")}`;
  }
  return null;
}

/** Zero-based first and last row of a ref like "A1:C1000001". */
export function refRows(ref: string): { first: number; last: number } | null {
  const m = /^\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?$/i.exec(ref.trim());
  if (!m) return null;
  const first = Number(m[1]) - 1;
  const last = Number(m[2] ?? m[1]) - 1;
  return first >= 0 && last >= first ? { first, last } : null;
}

/** The first sheet's declared rows, or null when the file does not say (then SheetJS's cap decides). */
export function peekFirstSheetRows(bytes: Uint8Array, entries: ZipEntry[]): { first: number; last: number } | null {
  try {
    const path = firstSheetPath(bytes, entries);
    if (!path) return null;
    const head = textOf(bytes, entries, path, HEAD_BYTES);
    const ref = head && /<(?:\w+:)?dimension\s+ref="([^"]+)"/.exec(head)?.[1];
    return ref ? refRows(ref) : null;
  } catch {
    // A broken stream here is SheetJS's to report as corrupt; the peek only ever shortcuts.
    return null;
  }
}
