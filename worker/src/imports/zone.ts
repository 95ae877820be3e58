// The account's time zone, in which spreadsheet dates without a zone are read: amoCRM keeps it in
// the account's `datetime_settings`; it is cached beside the other metadata for a day.
import { and, eq } from "drizzle-orm";
import type { Env } from "../env";
import { AmoClient } from "../amocrm/client";
import { amoAccountTimezoneSchema } from "../contracts/amocrm";
import { metadataCache } from "../db/schema";
import { accountZoneSchema } from "../contracts/stored";
import { isTimeZone } from "../db/stats";
import { scoped, type Tenant } from "../db/tenant";
import { logError } from "../lib/log";
import { DEFAULT_TIME_ZONE } from "./values";

const KIND = "datetime_settings";
const FRESH_MS = 24 * 3_600_000;

export interface AccountZone {
  timeZone: string;
  /** False when amoCRM could not be asked and nothing was cached: the default zone was assumed. */
  known: boolean;
}

const cached = scoped(async (t: Tenant): Promise<{ timeZone: string; fetchedAt: number } | null> => {
  const rows = await t.db
    .select()
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, KIND)));
  const data = accountZoneSchema.safeParse(rows[0]?.data);
  return data.success && isTimeZone(data.data.timezone) ? { timeZone: data.data.timezone, fetchedAt: rows[0]!.fetchedAt } : null;
});

const store = scoped(async (t: Tenant, timeZone: string, now: number): Promise<void> => {
  await t.db
    .insert(metadataCache)
    .values({ accountId: t.accountId, kind: KIND, data: { timezone: timeZone }, fetchedAt: now })
    .onConflictDoUpdate({ target: [metadataCache.accountId, metadataCache.kind], set: { data: { timezone: timeZone }, fetchedAt: now } });
});

async function ask(env: Env, t: Tenant, now: number): Promise<string | null> {
  try {
    const account = await new AmoClient(env, t.accountId).read(amoAccountTimezoneSchema, "/api/v4/account", { with: "datetime_settings" });
    const zone = account?.datetime_settings?.timezone ?? account?._embedded?.datetime_settings?.timezone;
    if (zone && isTimeZone(zone)) {
      await store(t, zone, now);
      return zone;
    }
  } catch (err) {
    logError("account time zone not read", err, { accountId: t.accountId });
  }
  return null;
}

/**
 * The account's IANA zone: cached, else asked from amoCRM; the default (Moscow) only when neither
 * answers. `waitMs` bounds the wait for amoCRM (an upload answers a person; a queue job can wait).
 */
export async function accountTimeZone(env: Env, t: Tenant, opts: { now?: number; waitMs?: number } = {}): Promise<AccountZone> {
  const now = opts.now ?? Date.now();
  const known = await cached(t);
  if (known && now - known.fetchedAt < FRESH_MS) return { timeZone: known.timeZone, known: true };
  const asking = ask(env, t, now);
  const zone = opts.waitMs === undefined ? await asking : await Promise.race([asking, new Promise<null>((r) => setTimeout(() => r(null), opts.waitMs))]);
  if (zone) return { timeZone: zone, known: true };
  return known ? { timeZone: known.timeZone, known: true } : { timeZone: DEFAULT_TIME_ZONE, known: false };
}
