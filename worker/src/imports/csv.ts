// CSV text: picks the encoding (UTF-8, UTF-16 with BOM, or Windows-1251 from Russian Excel), the
// delimiter, and splits records by RFC 4180 quoting. Values stay text: phones keep their leading 8/+.

// Windows-1251 bytes 0x80..0xBF; 0xC0..0xFF are А..я in order. Written out because TextDecoder in
// workerd only promises UTF-8. 0x98 is unassigned and decodes as U+FFFD.
const CP1251_HIGH =
  "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\ufffd™љ›њќћџ\u00a0ЎўЈ¤Ґ¦§Ё©Є«¬\u00ad®Ї°±Ііґµ¶·ё№є»јЅѕї";

export function decodeCp1251(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const codes = new Array<number>(end - start);
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      codes[i - start] = b < 0x80 ? b : b >= 0xc0 ? 0x0410 + (b - 0xc0) : CP1251_HIGH.charCodeAt(b - 0x80);
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join("");
}

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
    return { text: decodeCp1251(bytes), encoding: "windows-1251" };
  }
}

export type Delimiter = ";" | "," | "\t";
const DELIMITERS: Delimiter[] = [";", "\t", ","];

/** Counts each candidate outside quotes per line of the first lines; the steadiest non-zero count wins. */
export function detectDelimiter(text: string): Delimiter {
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
  /** True when parsing stopped at `maxRecords` with more text left. */
  truncated: boolean;
}

/** Splits records; empty fields become null, blank lines are skipped. */
export function parseCsv(text: string, delimiter: Delimiter, maxRecords = Number.POSITIVE_INFINITY): CsvParseResult {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let field = "";
  let quoted = false;
  let fieldWasQuoted = false;
  let i = 0;
  const n = text.length;
  const endField = () => {
    record.push(field === "" && !fieldWasQuoted ? null : field);
    field = "";
    fieldWasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (record.some((v) => v !== null && v.trim() !== "")) records.push(record);
    record = [];
  };
  while (i < n) {
    if (records.length >= maxRecords) return { records, truncated: true };
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === "") {
      quoted = true;
      fieldWasQuoted = true;
    } else if (ch === delimiter) {
      endField();
    } else if (ch === "\n" || ch === "\r") {
      endRecord();
      if (ch === "\r" && text[i + 1] === "\n") i++;
    } else {
      field += ch;
    }
    i++;
  }
  if (field !== "" || fieldWasQuoted || record.length > 0) endRecord();
  if (records.length > maxRecords) return { records: records.slice(0, maxRecords), truncated: true };
  return { records, truncated: false };
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
