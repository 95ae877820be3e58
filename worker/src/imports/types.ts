// Shapes shared by column detection, row normalisation and the import pipeline.
import type { NormalizedImportRow } from "../contracts/stored";

/** What a spreadsheet column can mean to an import. */
export const IMPORT_COLUMNS = ["phone", "email", "name", "result", "duration", "date", "operator", "comment", "recording"] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export type ImportKind = "leads" | "calls";

/** Which header (as returned by readWorkbook) feeds each field. */
export type ColumnMapping = Partial<Record<ImportColumn, string>>;

/** amoCRM call_status: 1 voicemail, 2 call back, 3 unavailable, 4 talked, 5 wrong number, 6 no answer, 7 busy, 8 other. */
export type CallStatus = NonNullable<NormalizedImportRow["callStatus"]>;

/** One row's fields as the import sends them (stored in `import_rows.data`, so its schema is in contracts/stored.ts). */
export type { NormalizedImportRow } from "../contracts/stored";
