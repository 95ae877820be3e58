// Shapes shared by column detection, row normalisation and the import pipeline.

/** What a spreadsheet column can mean to an import. */
export type ImportColumn =
  | "phone"
  | "email"
  | "name"
  | "result"
  | "duration"
  | "date"
  | "operator"
  | "comment"
  | "recording";

export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  "phone",
  "email",
  "name",
  "result",
  "duration",
  "date",
  "operator",
  "comment",
  "recording",
];

export type ImportKind = "leads" | "calls";

/** Which header (as returned by readWorkbook) feeds each field. */
export type ColumnMapping = Partial<Record<ImportColumn, string>>;

/** amoCRM call_status: 1 voicemail, 2 call back, 3 unavailable, 4 talked, 5 wrong number, 6 no answer, 7 busy, 8 other. */
export type CallStatus = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface NormalizedImportRow {
  /** E.164, the first number of the cell. */
  phone: string | null;
  /** Every number the cell held ("8999…, 8916…"), E.164, `phone` first. */
  phones: string[];
  email: string | null;
  name: string | null;
  comment: string | null;
  /** The result as written, for the note text. */
  result: string | null;
  callStatus: CallStatus | null;
  durationSec: number | null;
  /** Unix seconds, UTC; dates without a zone were read as Moscow time. */
  dateUnix: number | null;
  operator: string | null;
  recordingUrl: string | null;
}
