// JSON from outside is parsed by the platform (linear), but a deeply nested value would later blow
// the stack of JSON.stringify or of any recursive walk: this linear scan refuses it before parsing.

/** Maximum nesting of objects and arrays accepted in a webhook body; LPTracker's own is under 10. */
export const MAX_JSON_DEPTH = 64;

/** True when `text` nests objects/arrays deeper than `max` (strings and escapes are skipped). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** A parsed JSON object (not null, not an array), with its members still unknown. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
