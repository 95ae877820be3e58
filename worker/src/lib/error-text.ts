// What a caught value says about itself, for logs, audit lines and stored reasons: a thrown value
// need not be an Error (nor a DOMException one), so it is narrowed rather than cast.
export function errorText(err: unknown): string {
  if (typeof err === "object" && err !== null && "message" in err && typeof err.message === "string") return err.message;
  return String(err);
}

/** The error's class name ("TimeoutError", "AbortError"), or its type when it has none. */
export function errorName(err: unknown): string {
  if (typeof err === "object" && err !== null && "name" in err && typeof err.name === "string") return err.name;
  return typeof err;
}
