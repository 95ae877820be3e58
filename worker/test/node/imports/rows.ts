// A normalized import row for tests: every field empty unless the test names it.
import type { NormalizedImportRow } from "../../../src/imports/types";

export function normalizedRow(fields: Partial<NormalizedImportRow> = {}): NormalizedImportRow {
  const phones = fields.phones ?? (fields.phone ? [fields.phone] : []);
  return { phone: null, email: null, name: null, comment: null, result: null, callStatus: null, durationSec: null, dateUnix: null, operator: null, recordingUrl: null, ...fields, phones };
}
