// Cells a reader cannot turn into a faithful value: an Excel error (#N/A, #DIV/0!) or a formula the
// writer saved without its result. They travel as markers, so whoever uses one reports it.

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
  return typeof v === "object" && v !== null && "unreadable" in v && typeof (v as UnreadableCell).text === "string";
}

/** The cell as a person would see it in the spreadsheet, for messages and the error report. */
export function cellDisplay(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (isUnreadable(v)) return v.text;
  return String(v);
}

/** Why the cell cannot be used, in Russian and English. */
export function unreadableReason(v: UnreadableCell): [string, string] {
  return v.unreadable === "error"
    ? [`в ячейке ошибка Excel ${v.text}`, `the cell holds the Excel error ${v.text}`]
    : [
        `формула ${v.text} сохранена без результата (откройте файл в Excel и сохраните заново)`,
        `the formula ${v.text} was saved without its result (open the file in Excel and save it again)`,
      ];
}
