// Structured logs. Messages and fields are masked; error objects are reduced to name and message so
// that a stack with request data or tokens never reaches the log.
import { maskText } from "./mask";

type Fields = Record<string, unknown>;

function clean(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (/token|secret|password|authorization|code/i.test(k)) out[k] = "[redacted]";
    else if (/id$/i.test(k)) out[k] = v;
    else if (typeof v === "string") out[k] = maskText(v);
    else out[k] = v;
  }
  return out;
}

export function logInfo(message: string, fields: Fields = {}): void {
  console.log(JSON.stringify({ level: "info", message: maskText(message), ...clean(fields) }));
}

export function logWarn(message: string, fields: Fields = {}): void {
  console.warn(JSON.stringify({ level: "warn", message: maskText(message), ...clean(fields) }));
}

export function logError(message: string, err: unknown, fields: Fields = {}): void {
  const e = err instanceof Error ? { name: err.name, error: maskText(err.message) } : { error: maskText(String(err)) };
  console.error(JSON.stringify({ level: "error", message: maskText(message), ...e, ...clean(fields) }));
}
