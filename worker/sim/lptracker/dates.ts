// Date strings the way LPTracker writes them: `d.m.Y H:i` (lead_date) and `d.m.Y H:i:s` (comments),
// in the account's local time, which the docs never state; the sim uses a fixed UTC offset.
const pad = (n: number) => String(n).padStart(2, "0");

function local(ms: number, offsetMin: number): Date {
  return new Date(ms + offsetMin * 60_000);
}

export function formatDmyHi(ms: number, offsetMin: number): string {
  const d = local(ms, offsetMin);
  return `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function formatDmyHis(ms: number, offsetMin: number): string {
  return `${formatDmyHi(ms, offsetMin)}:${pad(local(ms, offsetMin).getUTCSeconds())}`;
}

/** Parses `d.m.Y H:i` (seconds optional); null when the string does not fit. */
export function parseDmyHi(text: string, offsetMin: number): number | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [day, month, year, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > 31 || hour! > 23 || minute! > 59 || second! > 59) return null;
  const utc = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // Date.UTC rolls 31.02 into March; a real parser would refuse it, so compare back.
  if (new Date(utc).getUTCDate() !== day) return null;
  return utc - offsetMin * 60_000;
}

export const unix = (ms: number) => Math.floor(ms / 1000);
