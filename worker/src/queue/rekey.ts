// Key rotation: each cron run re-seals a bounded share of every sealed value (LPTracker passwords
// and pending install codes in D1, amoCRM tokens and LPTracker login tokens in the Durable Objects)
// under the newest ENCRYPTION_KEY, and keeps the count an operator needs to retire the older keys.
import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import type { Env } from "../env";
import { config } from "../env";
import { makeDb, type Db } from "../db/client";
import { accounts, installs, keyRotation, lptConnections } from "../db/schema";
import { keyIds, reseal, secretBox, type SecretBox } from "../lib/secret-box";
import { lptPasswordContext, lptGate } from "../lptracker/gate";
import { installCodeContext } from "../amocrm/install";
import { amoGate } from "../amocrm/gate";
import { logWarn } from "../lib/log";
import { errorText } from "../lib/error-text";

/** Accounts (two Durable Object calls each) and D1 rows per table visited in one cron run. */
export const REKEY_ACCOUNTS_PER_RUN = 50;
export const REKEY_ROWS_PER_RUN = 200;
/** The account cursor once every account of the pass was visited. */
const ACCOUNTS_DONE = -1;

export interface RekeyCounts {
  found: number;
  failed: number;
}

export interface RekeyRun extends RekeyCounts {
  keyId: string;
  accountsVisited: number;
  passCompleted: boolean;
}

const add = (a: RekeyCounts, b: RekeyCounts): RekeyCounts => ({ found: a.found + b.found, failed: a.failed + b.failed });

/**
 * D1 rows sealed under an older key: a value is current when it starts with `<newest id>.`.
 * Compared by prefix, not LIKE, whose `_` would let a key id match a different one.
 */
function staleSealed(column: typeof lptConnections.sealedPassword | typeof installs.sealedCode, keyId: string) {
  const prefix = `${keyId}.`;
  return and(ne(column, ""), sql`substr(${column}, 1, ${prefix.length}) != ${prefix}`);
}

async function resealPasswords(db: Db, box: SecretBox, keyId: string, limit: number): Promise<RekeyCounts & { more: boolean }> {
  const rows = await db
    .select({ id: lptConnections.id, accountId: lptConnections.accountId, sealed: lptConnections.sealedPassword })
    .from(lptConnections)
    .where(staleSealed(lptConnections.sealedPassword, keyId))
    .limit(limit + 1);
  let counts: RekeyCounts = { found: 0, failed: 0 };
  for (const row of rows.slice(0, limit)) {
    try {
      const fresh = await reseal(box, row.sealed, lptPasswordContext(row.accountId));
      // Only if nobody saved a new password meanwhile.
      await db.update(lptConnections).set({ sealedPassword: fresh }).where(and(eq(lptConnections.id, row.id), eq(lptConnections.sealedPassword, row.sealed)));
      counts = add(counts, { found: 1, failed: 0 });
    } catch (err) {
      logWarn("LPTracker password could not be re-sealed", { accountId: row.accountId, error: errorText(err) });
      counts = add(counts, { found: 1, failed: 1 });
    }
  }
  return { ...counts, more: rows.length > limit };
}

async function resealInstallCodes(db: Db, box: SecretBox, keyId: string, limit: number): Promise<RekeyCounts & { more: boolean }> {
  const rows = await db
    .select({ id: installs.id, status: installs.status, sealed: installs.sealedCode })
    .from(installs)
    .where(staleSealed(installs.sealedCode, keyId))
    .limit(limit + 1);
  let counts: RekeyCounts = { found: 0, failed: 0 };
  for (const row of rows.slice(0, limit)) {
    let fresh: string;
    try {
      fresh = await reseal(box, row.sealed, installCodeContext(row.id));
    } catch (err) {
      // A finished install's code is spent: one no key opens any more is simply cleared.
      if (row.status !== "pending") {
        await db.update(installs).set({ sealedCode: "" }).where(and(eq(installs.id, row.id), eq(installs.sealedCode, row.sealed)));
        counts = add(counts, { found: 1, failed: 0 });
      } else {
        logWarn("pending install code could not be re-sealed", { installId: row.id, error: errorText(err) });
        counts = add(counts, { found: 1, failed: 1 });
      }
      continue;
    }
    await db.update(installs).set({ sealedCode: fresh }).where(and(eq(installs.id, row.id), eq(installs.sealedCode, row.sealed)));
    counts = add(counts, { found: 1, failed: 0 });
  }
  return { ...counts, more: rows.length > limit };
}

async function resealAccount(env: Env, accountId: number): Promise<RekeyCounts> {
  let counts: RekeyCounts = { found: 0, failed: 0 };
  for (const [what, step] of [
    ["amoCRM tokens", () => amoGate(env, accountId).resealTokens()],
    ["LPTracker token", () => lptGate(env, accountId).resealToken(accountId)],
  ] as const) {
    try {
      const { found, failed } = await step();
      counts = add(counts, { found, failed });
    } catch (err) {
      // Not known to be stale, but not known to be current either: the pass must not report zero.
      logWarn(`${what} could not be checked for re-sealing`, { accountId, error: errorText(err) });
      counts = add(counts, { found: 1, failed: 1 });
    }
  }
  return counts;
}

/**
 * One bounded step of the current pass. A pass visits every D1 row sealed under an older key and
 * every account's Durable Objects; when it completes, its counts become `last_pass_*` and a new
 * pass begins. Putting a new key first starts a new pass at once.
 */
export async function rotateKeys(env: Env, now: number, limits = { accounts: REKEY_ACCOUNTS_PER_RUN, rows: REKEY_ROWS_PER_RUN }): Promise<RekeyRun> {
  const cfg = config(env);
  const db = makeDb(env.DB);
  const keyId = keyIds(cfg.encryptionKey)[0]!;
  const box = secretBox(cfg.encryptionKey);

  let state = (await db.select().from(keyRotation).where(eq(keyRotation.id, 1)).limit(1))[0];
  if (!state || state.keyId !== keyId) {
    const fresh = { id: 1, keyId, cursor: 0, passStartedAt: now, passFound: 0, passFailed: 0, updatedAt: now };
    await db.insert(keyRotation).values(fresh).onConflictDoUpdate({ target: keyRotation.id, set: { keyId, cursor: 0, passStartedAt: now, passFound: 0, passFailed: 0, updatedAt: now } });
    state = { ...fresh, lastPassKeyId: state?.lastPassKeyId ?? null, lastPassCompletedAt: state?.lastPassCompletedAt ?? null, lastPassFound: state?.lastPassFound ?? null, lastPassFailed: state?.lastPassFailed ?? null };
  }

  const passwords = await resealPasswords(db, box, keyId, limits.rows);
  const codes = await resealInstallCodes(db, box, keyId, limits.rows);
  let counts = add(passwords, codes);

  let cursor = state.cursor;
  let visited = 0;
  if (cursor !== ACCOUNTS_DONE) {
    const ids = await db.select({ id: accounts.accountId }).from(accounts).where(gt(accounts.accountId, cursor)).orderBy(asc(accounts.accountId)).limit(limits.accounts);
    for (const { id } of ids) counts = add(counts, await resealAccount(env, id));
    visited = ids.length;
    cursor = ids.length < limits.accounts ? ACCOUNTS_DONE : ids[ids.length - 1]!.id;
  }

  const passCompleted = cursor === ACCOUNTS_DONE && !passwords.more && !codes.more;
  const found = state.passFound + counts.found;
  const failed = state.passFailed + counts.failed;
  await db
    .update(keyRotation)
    .set(
      passCompleted
        ? { cursor: 0, passStartedAt: now, passFound: 0, passFailed: 0, lastPassKeyId: keyId, lastPassCompletedAt: now, lastPassFound: found, lastPassFailed: failed, updatedAt: now }
        : { cursor, passFound: found, passFailed: failed, updatedAt: now },
    )
    .where(and(eq(keyRotation.id, 1), eq(keyRotation.keyId, keyId)));
  return { keyId, found: counts.found, failed: counts.failed, accountsVisited: visited, passCompleted };
}

export interface KeyRotationStatus {
  /** The key that seals (the first of ENCRYPTION_KEY). */
  currentKey: string;
  /** Keys still configured only to open older values. */
  olderKeys: string[];
  /** Values in D1 under an older key right now (Durable Object values are counted by the passes). */
  d1ValuesUnderOlderKeys: number;
  currentPass: { startedAt: number; valuesUnderOlderKeys: number; failed: number } | null;
  lastCompletedPass: { key: string; completedAt: number; valuesUnderOlderKeys: number; failed: number } | null;
  /** True once a complete pass under the current key found no value under an older key. */
  olderKeysRetirable: boolean;
}

export async function keyRotationStatus(env: Env): Promise<KeyRotationStatus> {
  const cfg = config(env);
  const db = makeDb(env.DB);
  const [currentKey, ...olderKeys] = keyIds(cfg.encryptionKey);
  // config() refuses an ENCRYPTION_KEY without a key, so this names a broken invariant, not bad input.
  if (currentKey === undefined) throw new Error("ENCRYPTION_KEY holds no key");
  const [state, passwords, codes] = await Promise.all([
    db.select().from(keyRotation).where(eq(keyRotation.id, 1)).limit(1),
    db.select({ n: sql<number>`count(*)` }).from(lptConnections).where(staleSealed(lptConnections.sealedPassword, currentKey)),
    db.select({ n: sql<number>`count(*)` }).from(installs).where(staleSealed(installs.sealedCode, currentKey)),
  ]);
  const row = state[0];
  const d1 = (passwords[0]?.n ?? 0) + (codes[0]?.n ?? 0);
  const last =
    row?.lastPassKeyId && row.lastPassCompletedAt !== null
      ? { key: row.lastPassKeyId, completedAt: row.lastPassCompletedAt, valuesUnderOlderKeys: row.lastPassFound ?? 0, failed: row.lastPassFailed ?? 0 }
      : null;
  const cleanPass = !!last && last.key === currentKey && last.valuesUnderOlderKeys === 0 && last.failed === 0;
  return {
    currentKey,
    olderKeys,
    d1ValuesUnderOlderKeys: d1,
    currentPass: row && row.keyId === currentKey ? { startedAt: row.passStartedAt, valuesUnderOlderKeys: row.passFound, failed: row.passFailed } : null,
    lastCompletedPass: last,
    olderKeysRetirable: olderKeys.length === 0 || (cleanPass && d1 === 0),
  };
}
