// Masks personal data in log and audit text: phone numbers keep their last 2 digits, e-mails their
// first letter and domain. Secrets never reach text at all; this is for what legitimately does.
// Every pattern is bounded (each start position does a constant amount of work at most), so a long
// hostile value costs linear time; regex-fuzz.test.ts holds every regex of the Worker to that.

/** A phone: an optional +, a digit, 8 to 30 digits/spaces/brackets/dashes, a digit. */
const PHONE = /\+?\d[\d\s()-]{8,30}\d/g;
/**
 * An e-mail: a local part of at most 64 characters starting where no local character precedes it
 * (so a long run is tried once, not from each of its positions), a domain of dot-separated labels.
 */
const EMAIL = /(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{0,63}@((?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,63})(?![A-Za-z])/g;
const NON_DIGIT = /\D/g;

/** Longest text masked and logged as is; the rest is cut before any pattern runs. */
export const MAX_MASKED_TEXT = 2048;

export function maskPhone(phone: string): string {
  const digits = phone.replace(NON_DIGIT, "");
  if (digits.length < 5) return phone;
  return `${"*".repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
}

/** Cuts `text` to `max` characters, saying how much was left out. */
export function truncateText(text: string, max = MAX_MASKED_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

export function maskText(text: string): string {
  return text.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`).replace(PHONE, (m) => {
    const digits = m.replace(NON_DIGIT, "");
    return digits.length >= 10 ? maskPhone(m) : m;
  });
}
