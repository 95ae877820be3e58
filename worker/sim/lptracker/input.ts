// Reading request bodies and coercing loose input: the real API is PHP, so ids may arrive as
// numeric strings and bodies as JSON or form data; anything unreadable is a code-400 error.
import { invalid } from "./envelope";

export type Body = Record<string, unknown>;

export async function readBody(request: Request): Promise<Body> {
  if (request.method === "GET" || request.method === "HEAD") return {};
  const text = await request.text();
  if (!text.trim()) return {};
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("Invalid JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw invalid("Request body must be an object");
  return parsed as Body;
}

/** Integer from a number or a numeric string; undefined when absent, 400 when malformed. */
export function optInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) throw invalid(`Invalid ${field}`);
  return n;
}

export function optString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") throw invalid(`Invalid ${field}`);
  return value;
}

export function optObject(value: unknown, field: string): Body | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(`Invalid ${field}`);
  return value as Body;
}

/** PHP truthiness, which is what decides a callback on the real server: "false" is truthy there. */
export function phpTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === 0 || value === "" || value === "0") return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}
