// The one error type of the spreadsheet core: a stable code for the API and the UI, and a message
// written for the person who uploaded the file (Russian first, then English).
export type ImportErrorCode =
  | "empty"
  | "unsupported-type"
  | "wrong-type"
  | "password-protected"
  | "corrupt"
  | "zip-bomb"
  | "too-many-rows"
  | "too-large"
  | "no-sheet"
  | "no-header";

export class ImportFileError extends Error {
  readonly code: ImportErrorCode;

  constructor(code: ImportErrorCode, message: string) {
    super(message);
    this.name = "ImportFileError";
    this.code = code;
  }
}

/** The message convention in one place: Russian, " / ", English. */
export function importError(code: ImportErrorCode, ru: string, en: string): ImportFileError {
  return new ImportFileError(code, `${ru} / ${en}`);
}

export function isImportFileError(e: unknown): e is ImportFileError {
  return e instanceof ImportFileError;
}

/** Groups the digits of a whole number by three from the right (a loop: the lookahead regex for this is quadratic). */
function groupThousands(n: number, sep: string): string {
  const s = String(Math.trunc(n));
  const sign = s.startsWith("-") ? "-" : "";
  const digits = sign ? s.slice(1) : s;
  let out = "";
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? sep : "") + digits.slice(Math.max(0, end - 3), end) + out;
  return sign + out;
}

/** Numbers in messages: Russian groups thousands with a space, English with a comma. */
export function formatCountRu(n: number): string {
  return groupThousands(n, " ");
}

export function formatCountEn(n: number): string {
  return groupThousands(n, ",");
}
