// Cells a reader cannot turn into a faithful value: an Excel error (#N/A, #DIV/0!) or a formula the
// writer saved without its result. They travel as markers, so whoever uses one reports it.
import { codedText, type CodedText } from "../lib/errors";

/** A cell that holds no value we may use; `text` is what the spreadsheet shows or the formula. */
export interface UnreadableCell {
  unreadable: "error" | "formula";
  text: string;
}

export function errorCell(text: string): UnreadableCell {
  return { unreadable: "error", text };
}

export function formulaCell(formula: string): UnreadableCell {
  return { unreadable: "formula", text: formula.startsWith("=") ? formula : `=${formula}` };
}

export function isUnreadable(v: unknown): v is UnreadableCell {
  return typeof v === "object" && v !== null && "unreadable" in v && (v.unreadable === "error" || v.unreadable === "formula") && "text" in v && typeof v.text === "string";
}

/** The cell as a person would see it in the spreadsheet, for messages and the error report. */
export function cellDisplay(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (isUnreadable(v)) return v.text;
  return String(v);
}

/** Why the cell cannot be used, as a catalogue text naming its column. */
export function unreadableReason(v: UnreadableCell, column: string): CodedText {
  return codedText(v.unreadable === "error" ? "import_cell_excel_error" : "import_cell_formula_no_result", { column, value: v.text });
}
