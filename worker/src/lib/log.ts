// Structured logs. Messages and fields are cut to a bounded length first, then masked; error objects
// are reduced to name and message so that a stack with request data or tokens never reaches the log.
import { maskText, truncateText } from "./mask";

type Fields = Record<string, unknown>;

const SECRET_KEY = /token|secret|password|authorization|code/i;
const ID_KEY = /id$/i;

/** A logged value: a header or body of any size costs the same bounded work. */
function text(v: string): string {
  return maskText(truncateText(v));
}

function clean(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = "[redacted]";
    else if (typeof v === "string") out[k] = ID_KEY.test(k) ? truncateText(v, 128) : text(v);
    else if (v !== null && typeof v === "object") out[k] = structured(v);
    else out[k] = v;
  }
  return out;
}

/** Objects and arrays are logged as they are when small; a large one becomes masked, cut text. */
function structured(v: object): unknown {
  const json = JSON.stringify(v) ?? "";
  return json.length <= 512 ? v : text(json);
}

export function logInfo(message: string, fields: Fields = {}): void {
  console.log(JSON.stringify({ level: "info", message: text(message), ...clean(fields) }));
}

export function logWarn(message: string, fields: Fields = {}): void {
  console.warn(JSON.stringify({ level: "warn", message: text(message), ...clean(fields) }));
}

export function logError(message: string, err: unknown, fields: Fields = {}): void {
  const e = err instanceof Error ? { name: truncateText(err.name, 64), error: text(err.message) } : { error: text(String(err)) };
  console.error(JSON.stringify({ level: "error", message: text(message), ...e, ...clean(fields) }));
}
