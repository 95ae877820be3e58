// Whether a time zone name can be used: shared by the API contracts (which the browser code
// type-checks too, so it must not pull in D1) and the calendar arithmetic in db/stats.ts.

/** True for an IANA zone name the runtime knows ("Europe/Moscow"); anything else would throw later. */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
