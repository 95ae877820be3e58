// Defuses spreadsheet formula injection in files we hand back to users: text that a spreadsheet app
// could take for a formula gets a leading apostrophe, so it is shown as text and never run.

// "=", "+", "-", "@" start a formula, also after leading blanks; a leading tab or CR can hide one.
const FORMULA_START = /^[\s]*[=+\-@]|^[\t\r]/;

export function neutralizeCell<T>(value: T): T | string {
  if (typeof value !== "string") return value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function neutralizeRow(values: readonly unknown[]): unknown[] {
  return values.map(neutralizeCell);
}
