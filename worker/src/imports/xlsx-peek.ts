// Reads what an XLSX's workbook part says about its sheets (names, hidden state, paths, shared
// strings, date system), and a sheet's declared size (`<dimension ref>`) by inflating only a few
// kilobytes, so a million-row sheet is refused before anything reads all of it.
import { unescapeXml } from "./xlsx-stream-xml";
import type { ZipEntry } from "./zip-guard";
import { entryHead } from "./zip-verify";

const HEAD_BYTES = 64 * 1024;
const SMALL_PART_BYTES = 4 * 1024 * 1024;

/** The entry at a path inside the archive (some writers store names with a leading slash). */
export function findEntry(entries: ZipEntry[], path: string): ZipEntry | undefined {
  return entries.find((e) => e.name.replace(/^\//, "") === path);
}

function textOf(bytes: Uint8Array, entries: ZipEntry[], name: string, maxOutput: number): string | null {
  const entry = findEntry(entries, name);
  if (!entry) return null;
  return new TextDecoder("utf-8").decode(entryHead(bytes, entry, maxOutput));
}

export interface SheetEntry {
  name: string;
  /** Its part inside the archive, or null when the relationships do not say. */
  path: string | null;
  /** Hidden or very hidden: not what a person looking at the workbook sees. */
  hidden: boolean;
}

export interface WorkbookInfo {
  /** Every sheet in workbook order. */
  sheets: SheetEntry[];
  /** The sheet to read (the requested one, else the first visible one): its name and its path inside the archive. */
  sheetName: string;
  sheetPath: string;
  /** The shared string table's path, when the archive has one. */
  sharedStringsPath: string | null;
  /** Dates count from 1904 (old Mac workbooks) instead of 1900. */
  date1904: boolean;
}

function attrOf(tag: string, name: string): string | null {
  return new RegExp(`\\s(?:\\w+:)?${name}="([^"]*)"`).exec(tag)?.[1] ?? null;
}

/** A relationship target as a path inside the archive; targets are relative to `xl/`. */
function partPath(target: string): string {
  return target.startsWith("/") ? target.slice(1) : `xl/${target.replace(/^\.\//, "")}`;
}

/** Excel allows this many sheets in practice; a workbook part listing more is not read further. */
const MAX_SHEETS = 1000;

function readWorkbookInfo(bytes: Uint8Array, entries: ZipEntry[], wanted?: string): WorkbookInfo | null {
  const workbook = textOf(bytes, entries, "xl/workbook.xml", SMALL_PART_BYTES);
  const rels = textOf(bytes, entries, "xl/_rels/workbook.xml.rels", SMALL_PART_BYTES);
  if (!workbook || !rels) return null;
  const targets = new Map<string, string>();
  let sharedStringsPath: string | null = null;
  for (const m of rels.matchAll(/<(?:\w+:)?Relationship\b[^<>]*>/g)) {
    const tag = m[0];
    const target = attrOf(tag, "Target");
    const id = attrOf(tag, "Id");
    if (!target) continue;
    if (/\/sharedStrings$/.test(attrOf(tag, "Type") ?? "")) sharedStringsPath = partPath(target);
    else if (id) targets.set(id, partPath(target));
  }
  const sheets: SheetEntry[] = [];
  for (const m of workbook.matchAll(/<(?:\w+:)?sheet\b[^<>]*>/g)) {
    if (sheets.length >= MAX_SHEETS) break;
    const tag = m[0];
    const id = attrOf(tag, "id");
    sheets.push({
      name: unescapeXml(attrOf(tag, "name") ?? ""),
      path: (id && targets.get(id)) ?? null,
      hidden: /^(?:hidden|veryHidden)$/.test(attrOf(tag, "state") ?? ""),
    });
  }
  const chosen = wanted === undefined ? (sheets.find((s) => !s.hidden && s.path) ?? sheets.find((s) => s.path)) : sheets.find((s) => s.name === wanted);
  if (!chosen?.path) return null;
  if (!sharedStringsPath && findEntry(entries, "xl/sharedStrings.xml")) sharedStringsPath = "xl/sharedStrings.xml";
  const props = /<(?:\w+:)?workbookPr\b[^<>]*>/.exec(workbook)?.[0] ?? "";
  return {
    sheets,
    sheetName: chosen.name,
    sheetPath: chosen.path,
    sharedStringsPath,
    date1904: /^(?:1|true)$/.test(attrOf(props, "date1904") ?? ""),
  };
}

/**
 * What the workbook part and its relationships say about its sheets and the one to read (`sheet`
 * by name, else the first visible one), or null when they do not say it.
 */
export function workbookInfo(bytes: Uint8Array, entries: ZipEntry[], sheet?: string): WorkbookInfo | null {
  try {
    return readWorkbookInfo(bytes, entries, sheet);
  } catch {
    // A broken part is for the reader to report as corrupt; this look only ever shortcuts.
    return null;
  }
}

/** Zero-based first and last row of a ref like "A1:C1000001". */
export function refRows(ref: string): { first: number; last: number } | null {
  const m = /^\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?$/i.exec(ref.trim());
  if (!m) return null;
  const first = Number(m[1]) - 1;
  const last = Number(m[2] ?? m[1]) - 1;
  return first >= 0 && last >= first ? { first, last } : null;
}

/** The sheet's declared rows, or null when the file does not say (then the reader's cap decides). */
export function peekSheetRows(bytes: Uint8Array, entries: ZipEntry[], sheetPath: string): { first: number; last: number } | null {
  try {
    const head = textOf(bytes, entries, sheetPath, HEAD_BYTES);
    const ref = head && /<(?:\w+:)?dimension\s+ref="([^"]+)"/.exec(head)?.[1];
    return ref ? refRows(ref) : null;
  } catch {
    // A broken stream here is the reader's to report as corrupt; the peek only ever shortcuts.
    return null;
  }
}
