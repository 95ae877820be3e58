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

/** Numbers in messages: Russian groups thousands with a space, English with a comma. */
export function formatCountRu(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

export function formatCountEn(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
