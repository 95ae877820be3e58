// Masks personal data in log and audit text: phone numbers keep their last 2 digits, e-mails their
// first letter and domain. Secrets never reach text at all; this is for what legitimately does.
const PHONE = /(?:\+?\d[\d\s()\-]{8,}\d)/g;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 5) return phone;
  return `${"*".repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
}

export function maskText(text: string): string {
  return text.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`).replace(PHONE, (m) => {
    const digits = m.replace(/\D/g, "");
    return digits.length >= 10 ? maskPhone(m) : m;
  });
}
