// The one error type of the spreadsheet core: the reader's own kind, and the catalogue code with its
// parameters that the API answers with and the admin page translates.
import { renderDetail, type ErrorCode, type ErrorParams, type ParamValue } from "../lib/errors";

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

  /** `message` is the catalogue's English detail, for logs. */
  constructor(
    code: ImportErrorCode,
    readonly problem: ErrorCode,
    readonly params: Record<string, ParamValue>,
  ) {
    super(renderDetail(problem, params));
    this.name = "ImportFileError";
    this.code = code;
  }
}

export function importError<C extends ErrorCode>(code: ImportErrorCode, problem: C, params: ErrorParams<C>): ImportFileError {
  return new ImportFileError(code, problem, params);
}

export function isImportFileError(e: unknown): e is ImportFileError {
  return e instanceof ImportFileError;
}
