// Phone numbers to E.164, with the Russian habits: 8XXXXXXXXXX, 7XXXXXXXXXX, bare 10 digits,
// spaces, brackets and dashes. amoCRM search is textual, so we also need the last 10 digits.
export interface NormalizedPhone {
  e164: string;
  digits: string;
  last10: string;
}

export function normalizePhone(input: unknown): NormalizedPhone | null {
  if (input === null || input === undefined) return null;
  const raw = String(input).trim();
  if (!raw) return null;
  // Extensions ("доб. 123", "ext 5", "#12") are not part of the number.
  // Bounded so that a long run of spaces or digits is not re-read from each of its positions.
  const main = raw.split(/\s{0,8}(?:доб\.?|ext\.?|x|#)\s{0,8}\d{1,8}\s*$/i)[0] ?? raw;
  if (/[^\d\s()+\-.]/.test(main)) return null;
  let digits = main.replace(/\D/g, "");
  if (main.trim().startsWith("+")) {
    if (digits.length < 8 || digits.length > 15) return null;
  } else if (digits.length === 11 && (digits.startsWith("8") || digits.startsWith("7"))) {
    digits = `7${digits.slice(1)}`;
  } else if (digits.length === 10 && digits.startsWith("9")) {
    digits = `7${digits}`;
  } else if (digits.length === 10) {
    // A 10-digit number that is not a Russian mobile: still Russian (landline with area code).
    digits = `7${digits}`;
  } else if (digits.length < 8 || digits.length > 15) {
    return null;
  }
  return { e164: `+${digits}`, digits, last10: digits.slice(-10) };
}

/** True when two written forms are the same number. */
export function samePhone(a: unknown, b: unknown): boolean {
  const x = normalizePhone(a);
  const y = normalizePhone(b);
  return !!x && !!y && x.e164 === y.e164;
}

export function normalizeEmail(input: unknown): string | null {
  if (typeof input !== "string") return null;
  const v = input.trim().toLowerCase();
  // Labels split by single dots, so the domain is read once instead of once per dot.
  return v.length <= 254 && /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(v) ? v : null;
}
