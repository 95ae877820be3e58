// Tells what an uploaded file really is from its first bytes (ZIP, OLE compound file or text) and
// checks that against its name; the name alone is never trusted.
import { importError, type ImportFileError } from "./errors";
import { listZipEntries } from "./zip-guard";

export { ImportFileError } from "./errors";

export type SpreadsheetType = "xlsx" | "xls" | "csv";

/** What the bytes are, regardless of the name. */
export type ContentKind =
  | "empty"
  | "xlsx"
  | "zip-other"
  | "xls"
  | "ole-encrypted"
  | "ole-other"
  | "text"
  | "binary";

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const TEXT_PROBE = 8 * 1024;

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function hasUtf16Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

/**
 * Stream names of an OLE compound file (MS-CFB), read from its directory sectors. Bounded by the file
 * size so a looping sector chain cannot hang us; returns null when the structure does not hold.
 */
export function oleStreamNames(bytes: Uint8Array): string[] | null {
  if (bytes.length < 512 || !startsWith(bytes, OLE_MAGIC)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shift = view.getUint16(0x1e, true);
  if (shift !== 9 && shift !== 12) return null;
  const sectorSize = 1 << shift;
  const sectorCount = Math.floor((bytes.length - sectorSize) / sectorSize) + 1;
  const sectorAt = (n: number) => (n + 1) * sectorSize;
  const perSector = sectorSize / 4;

  // The FAT's own sectors are listed in the header (109 of them) and then in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const s = view.getUint32(0x4c + i * 4, true);
    if (s >= 0xfffffffa) break;
    fatSectors.push(s);
  }
  let difat = view.getUint32(0x44, true);
  for (let guard = 0; difat < 0xfffffffa && guard < sectorCount; guard++) {
    const base = sectorAt(difat);
    if (base + sectorSize > bytes.length) return null;
    for (let i = 0; i < perSector - 1; i++) {
      const s = view.getUint32(base + i * 4, true);
      if (s < 0xfffffffa) fatSectors.push(s);
    }
    difat = view.getUint32(base + (perSector - 1) * 4, true);
  }
  const nextSector = (n: number): number => {
    const fatIndex = Math.floor(n / perSector);
    const fatSector = fatSectors[fatIndex];
    if (fatSector === undefined) return -1;
    const at = sectorAt(fatSector) + (n % perSector) * 4;
    if (at + 4 > bytes.length) return -1;
    return view.getUint32(at, true);
  };

  const names: string[] = [];
  let sawRoot = false;
  const utf16 = new TextDecoder("utf-16le");
  let sector = view.getUint32(0x30, true);
  for (let guard = 0; sector < 0xfffffffa; guard++) {
    if (guard > sectorCount) return null;
    const base = sectorAt(sector);
    if (base + sectorSize > bytes.length) return null;
    for (let off = base; off < base + sectorSize; off += 128) {
      const type = bytes[off + 66];
      const nameLen = view.getUint16(off + 64, true);
      if (type === 5) sawRoot = true;
      // Types 1 (storage) and 2 (stream); the name length counts the trailing NUL.
      if ((type === 1 || type === 2) && nameLen >= 2 && nameLen <= 64) {
        names.push(utf16.decode(bytes.subarray(off, off + nameLen - 2)));
      }
    }
    sector = nextSector(sector);
    if (sector < 0) return null;
  }
  // Every compound file has a root entry; a directory without one was not really read.
  return sawRoot ? names : null;
}

export function sniffContent(bytes: Uint8Array): ContentKind {
  if (bytes.length === 0) return "empty";
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    // listZipEntries throws `corrupt` for a broken directory, which is the right answer here too.
    const names = new Set(listZipEntries(bytes).map((e) => e.name.replace(/^\//, "")));
    return names.has("[Content_Types].xml") && names.has("xl/workbook.xml") ? "xlsx" : "zip-other";
  }
  if (startsWith(bytes, OLE_MAGIC)) {
    const names = oleStreamNames(bytes);
    if (!names) {
      throw importError("corrupt", "import_file_office_unreadable", {});
    }
    // Excel puts a password-protected .xlsx into an OLE container with these two streams.
    if (names.includes("EncryptionInfo") || names.includes("EncryptedPackage")) return "ole-encrypted";
    return names.includes("Workbook") || names.includes("Book") ? "xls" : "ole-other";
  }
  if (hasUtf16Bom(bytes)) return "text";
  const probe = bytes.subarray(0, TEXT_PROBE);
  return probe.includes(0) ? "binary" : "text";
}

const EXTENSIONS: Record<string, SpreadsheetType> = {
  xlsx: "xlsx",
  xls: "xls",
  csv: "csv",
  tsv: "csv",
  txt: "csv",
};

function wrongType(named: SpreadsheetType, content: Exclude<ContentKind, "empty">): ImportFileError {
  return importError("wrong-type", "import_file_wrong_type", { expected: named.toUpperCase(), found: content });
}

function extensionOf(fileName: string): string {
  const m = /\.([A-Za-z0-9]+)\s*$/.exec(fileName);
  return m ? m[1]!.toLowerCase() : "";
}

export function passwordProtected(): ImportFileError {
  return importError("password-protected", "import_file_password_protected", {});
}

/** The type to read `content` as, when it agrees with the type the name promised; throws otherwise. */
export function checkContent(named: SpreadsheetType, content: ContentKind): SpreadsheetType {
  if (content === "empty") throw importError("empty", "import_file_empty", {});
  // Encryption is reported whatever the name says: a renamed protected workbook is still protected.
  if (content === "ole-encrypted") throw passwordProtected();
  if (named === "xlsx" && content === "xlsx") return "xlsx";
  // Many systems export real XLSX under an .xls name; the content is what SheetJS reads anyway.
  if (named === "xls" && (content === "xls" || content === "xlsx")) return content;
  if (named === "csv" && content === "text") return "csv";
  throw wrongType(named, content);
}

/** Decides how to read an upload, or throws an ImportFileError the user can act on. */
export function sniffFile(bytes: Uint8Array, fileName: string): { type: SpreadsheetType } {
  const ext = extensionOf(fileName);
  const named = EXTENSIONS[ext];
  if (!named) {
    throw ext ? importError("unsupported-type", "import_file_unsupported_type", { ext }) : importError("unsupported-type", "import_file_no_extension", {});
  }
  return { type: checkContent(named, sniffContent(bytes)) };
}
