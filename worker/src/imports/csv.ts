// CSV text: picks the encoding (UTF-8, UTF-16 with BOM, or Windows-1251 from Russian Excel), the
// delimiter, and splits records by RFC 4180 quoting. Values stay text: phones keep their leading 8/+.

export type TextEncodingName = "utf-8" | "utf-16le" | "utf-16be" | "windows-1251";

export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncodingName } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder("utf-8").decode(bytes.subarray(3)), encoding: "utf-8" };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" };
  }
  // Cyrillic in cp1251 is almost never valid UTF-8, so a strict UTF-8 decode is a reliable test.
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    // The platform's WHATWG decoder (workerd and Node both carry windows-1251).
    return { text: new TextDecoder("windows-1251").decode(bytes), encoding: "windows-1251" };
  }
}

export type Delimiter = ";" | "," | "\t";
const DELIMITERS: Delimiter[] = [";", "\t", ","];
const SNIFF_CHARS = 256 * 1024;

/** Counts each candidate outside quotes per line of the first lines; the steadiest non-zero count wins. */
export function detectDelimiter(text: string): Delimiter {
  // The first lines decide; a file whose first line is megabytes long is judged on its start.
  text = text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text;
  const lines: string[] = [];
  let start = 0;
  while (lines.length < 20 && start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, "");
    if (line.trim()) lines.push(line);
    start = end + 1;
  }
  if (lines.length === 0) return ";";
  let best: Delimiter = ";";
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = lines.map((line) => {
      let n = 0;
      let quoted = false;
      for (const ch of line) {
        if (ch === '"') quoted = !quoted;
        else if (ch === d && !quoted) n++;
      }
      return n;
    });
    const first = counts[0]!;
    if (first === 0) continue;
    // Lines that agree with the header's count; a decimal comma breaks this agreement for ",".
    const agreeing = counts.filter((c) => c === first).length / counts.length;
    const score = agreeing * 1000 + first;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

export interface CsvParseResult {
  records: (string | null)[][];
  /** Each kept record's number counting blank ones, as a spreadsheet would number its rows. */
  numbers: number[];
  /** Records with a value seen, kept or not. */
  count: number;
  /** True when parsing stopped at `maxRecords` with more text left. */
  truncated: boolean;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

function isBlankRecord(record: (string | null)[]): boolean {
  return record.every((v) => v === null || v.trim() === "");
}

/**
 * Splits records; empty fields become null, blank lines are skipped. Scans with indexOf and slices
 * rather than growing strings a character at a time: a 100,000-line file is megabytes of text.
 * Stops after `maxRecords` records with a value; keeps only the first `keep` of them (the rest are counted).
 */
export function parseCsv(text: string, delimiter: Delimiter, maxRecords = Number.POSITIVE_INFINITY, keep = Number.POSITIVE_INFINITY): CsvParseResult {
  const records: (string | null)[][] = [];
  const numbers: number[] = [];
  let count = 0;
  let index = 0;
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  const fieldEnd = (from: number): number => {
    let k = from;
    while (k < n) {
      const ch = text.charCodeAt(k);
      if (ch === d || ch === LF || ch === CR) break;
      k++;
    }
    return k;
  };
  let record: (string | null)[] = [];
  let i = 0;
  for (;;) {
    let value: string | null;
    if (text.charCodeAt(i) === QUOTE) {
      // RFC 4180: a quoted field runs to the next lone quote; "" inside it is one quote. Its end is
      // found first and the field cut once: a field of a million "" costs one pass, not a rope.
      let q = i + 1;
      for (; q < n; q++) {
        if (text.charCodeAt(q) !== QUOTE) continue;
        if (text.charCodeAt(q + 1) === QUOTE) q++;
        else break;
      }
      const raw = text.slice(i + 1, q);
      const quoted = raw.includes('""') ? raw.split('""').join('"') : raw;
      i = q < n ? q + 1 : n;
      // Excel tolerates text after the closing quote; keep it rather than lose it.
      const k = fieldEnd(i);
      value = quoted + text.slice(i, k);
      i = k;
    } else {
      const k = fieldEnd(i);
      value = k > i ? text.slice(i, k) : null;
      i = k;
    }
    record.push(value);
    if (i < n && text.charCodeAt(i) === d) {
      i++;
      continue;
    }
    index++;
    if (!isBlankRecord(record)) {
      count++;
      if (records.length < keep) {
        records.push(record);
        numbers.push(index);
      }
    }
    record = [];
    if (i >= n) return { records, numbers, count, truncated: false };
    i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    if (count >= maxRecords) {
      while (i < n && text.charCodeAt(i) <= 32) i++;
      return { records, numbers, count, truncated: i < n };
    }
  }
}

/** Rough count of non-blank lines: enough to tell the user how big a refused file was. */
export function countLines(text: string): number {
  let count = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end - start > 1 || (end - start === 1 && text[start] !== "\r")) count++;
    start = end + 1;
  }
  return count;
}
