// Where an import's files live in R2 and what an uploaded name may become there: a user's file
// name never decides a path outside its own account's import folder.

const MAX_NAME = 120;

/**
 * The last path segment of an uploaded name, reduced to letters, digits, spaces and `._()-`.
 * Leading dots go too, so ".." or ".env" cannot become special; an empty result becomes "file".
 */
export function safeFileName(raw: string): string {
  const last = raw.split(/[\\/]/).pop() ?? "";
  let name = last
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/[^\p{L}\p{N} ._()-]/gu, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+/, "")
    .trim();
  if (name.length > MAX_NAME) {
    // Keep the extension: it decides how the file is read.
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 && name.length - dot <= 6 ? name.slice(dot) : "";
    name = name.slice(0, MAX_NAME - ext.length) + ext;
  }
  return name || "file";
}

export function importFolder(accountId: number, importId: number): string {
  return `accounts/${accountId}/imports/${importId}/`;
}

export function uploadKey(accountId: number, importId: number, fileName: string): string {
  return `${importFolder(accountId, importId)}${safeFileName(fileName)}`;
}

/** A sub-folder: a safe name has no "/", so no upload can ever be called like the report. */
export function reportKey(accountId: number, importId: number): string {
  return `${importFolder(accountId, importId)}report/errors.xlsx`;
}

/** The existing contacts an import's rows are matched against, read once by the parse job. */
export function contactIndexKey(accountId: number, importId: number): string {
  return `${importFolder(accountId, importId)}lookup/contacts.json`;
}
