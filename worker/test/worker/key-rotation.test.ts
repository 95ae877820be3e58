// Key rotation completes: the cron's passes re-seal every sealed value (LPTracker passwords, pending
// install codes, amoCRM tokens and LPTracker tokens in the Durable Objects) under the newest key,
// a bounded share per run, and report when the older keys can be retired.
import { createExecutionContext, createScheduledController, env, runInDurableObject, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { installs, lptConnections } from "../../src/db/schema";
import { secretBox } from "../../src/lib/secret-box";
import { amoGate } from "../../src/amocrm/gate";
import { lptGate, lptPasswordContext } from "../../src/lptracker/gate";
import { installCodeContext } from "../../src/amocrm/install";
import { keyRotationStatus, rotateKeys, type KeyRotationStatus } from "../../src/queue/rekey";
import { connectLpt, db, installAccount, widgetFetch, type Connected } from "./harness";
import { TEST_BINDINGS } from "./bindings";
import worker from "../../src/index";

const [NEWEST, OLDER] = TEST_BINDINGS.ENCRYPTION_KEY.split(",") as [string, string];
const current = secretBox(NEWEST);
const older = secretBox(OLDER);

/** Re-seals what the install and the connection stored under the older key, as if sealed before the rotation. */
async function ageSecrets(a: Connected): Promise<void> {
  await db()
    .update(lptConnections)
    .set({ sealedPassword: await older.seal(a.password, lptPasswordContext(a.accountId)) })
    .where(eq(lptConnections.accountId, a.accountId));
  await runInDurableObject(amoGate(env, a.accountId), async (gate, state) => {
    const tokens = (await state.storage.get<{ sealed: string }>("tokens"))!;
    const context = `amo-tokens:${a.accountId}`;
    await state.storage.put("tokens", { ...tokens, sealed: await older.seal(await current.open(tokens.sealed, context), context) });
    (gate as unknown as { tokens: unknown }).tokens = undefined;
  });
  await runInDurableObject(lptGate(env, a.accountId), async (gate, state) => {
    const sealed = (await state.storage.get<string>("token"))!;
    const context = `lpt-token:${a.accountId}`;
    await state.storage.put("token", await older.seal(await current.open(sealed, context), context));
    (gate as unknown as { token: unknown }).token = undefined;
  });
}

async function sealedValues(a: Connected): Promise<string[]> {
  const password = (await db().select().from(lptConnections).where(eq(lptConnections.accountId, a.accountId)))[0]!.sealedPassword;
  const amo = await runInDurableObject(amoGate(env, a.accountId), async (_g, state) => (await state.storage.get<{ sealed: string }>("tokens"))!.sealed);
  const lpt = await runInDurableObject(lptGate(env, a.accountId), async (_g, state) => (await state.storage.get<string>("token"))!);
  return [password, amo, lpt];
}

async function status(): Promise<KeyRotationStatus> {
  const res = await SELF.fetch("https://sync.test/healthz/keys");
  expect(res.status).toBe(200);
  return (await res.json()) as KeyRotationStatus;
}

/** Runs the cron's step until the pass completes; returns how many runs it took. */
async function completePass(limits: { accounts: number; rows: number }): Promise<{ runs: number; found: number }> {
  let found = 0;
  for (let runs = 1; runs <= 50; runs++) {
    const r = await rotateKeys(env, Date.now(), limits);
    expect(r.accountsVisited).toBeLessThanOrEqual(limits.accounts);
    // Two tables of rows plus two Durable Object values per visited account.
    expect(r.found).toBeLessThanOrEqual(2 * limits.rows + 2 * r.accountsVisited);
    found += r.found;
    if (r.passCompleted) return { runs, found };
  }
  throw new Error("the pass did not complete in 50 runs");
}

describe("key rotation", () => {
  it("re-seals every value under the newest key, bounded per run, and says when the older key can go", async () => {
    const accounts = [await connectLpt(await installAccount()), await connectLpt(await installAccount()), await connectLpt(await installAccount())];
    for (const a of accounts) await ageSecrets(a);
    const installId = `rekey-${crypto.randomUUID()}`;
    await db().insert(installs).values({ id: installId, referer: "x.amocrm.ru", flow: "marketplace", sealedCode: await older.seal("code-123", installCodeContext(installId)) });
    for (const a of accounts) expect((await sealedValues(a)).every((v) => v.startsWith("v0."))).toBe(true);

    const before = await status();
    expect(before.currentKey).toBe("v1");
    expect(before.olderKeys).toEqual(["v0"]);
    expect(before.d1ValuesUnderOlderKeys).toBeGreaterThanOrEqual(4);
    expect(before.olderKeysRetirable).toBe(false);

    // A pass in small steps: one row per table and one account per run.
    const first = await completePass({ accounts: 1, rows: 1 });
    expect(first.runs).toBeGreaterThan(3);
    expect(first.found).toBeGreaterThanOrEqual(3 * 3 + 1);
    for (const a of accounts) expect((await sealedValues(a)).every((v) => v.startsWith("v1."))).toBe(true);
    const code = (await db().select().from(installs).where(eq(installs.id, installId)))[0]!.sealedCode;
    expect(code.startsWith("v1.")).toBe(true);
    expect(await current.open(code, installCodeContext(installId))).toBe("code-123");

    // That pass found old values: retiring v0 is not yet safe. A clean pass says it is.
    const afterFirst = await status();
    expect(afterFirst.d1ValuesUnderOlderKeys).toBe(0);
    expect(afterFirst.lastCompletedPass).toMatchObject({ key: "v1", failed: 0 });
    expect(afterFirst.lastCompletedPass!.valuesUnderOlderKeys).toBeGreaterThan(0);
    expect(afterFirst.olderKeysRetirable).toBe(false);
    const second = await completePass({ accounts: 50, rows: 200 });
    expect(second.found).toBe(0);
    const clean = await status();
    expect(clean.lastCompletedPass).toMatchObject({ key: "v1", valuesUnderOlderKeys: 0, failed: 0 });
    expect(clean.olderKeysRetirable).toBe(true);

    // Everything still opens under the new key: the gates work without the old one being needed.
    const a = accounts[0]!;
    expect((await amoGate(env, a.accountId).accessToken()).ok).toBe(true);
    expect((await widgetFetch(a, "/api/widget/lptracker")).status).toBe(200);
    expect(await current.open((await sealedValues(a))[0]!, lptPasswordContext(a.accountId))).toBe(a.password);
  }, 120_000);

  it("runs as part of the Worker's cron", async () => {
    const a = await connectLpt(await installAccount());
    await ageSecrets(a);
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await sealedValues(a)).every((v) => v.startsWith("v1."))).toBe(true);
  }, 120_000);

  it("counts a value that no configured key opens as failed, so retiring is never reported", async () => {
    const installId = `rekey-lost-${crypto.randomUUID()}`;
    const lost = secretBox("v9:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    await db().insert(installs).values({ id: installId, referer: "y.amocrm.ru", flow: "marketplace", sealedCode: await lost.seal("code", installCodeContext(installId)) });
    await completePass({ accounts: 50, rows: 200 });
    const s = await status();
    expect(s.lastCompletedPass!.failed).toBeGreaterThan(0);
    expect(s.olderKeysRetirable).toBe(false);
    // A finished install's spent code that no key opens is cleared instead.
    await db().update(installs).set({ status: "failed" }).where(eq(installs.id, installId));
    await completePass({ accounts: 50, rows: 200 });
    expect((await db().select().from(installs).where(eq(installs.id, installId)))[0]!.sealedCode).toBe("");
    await completePass({ accounts: 50, rows: 200 });
    expect((await status()).olderKeysRetirable).toBe(true);
  }, 120_000);
});
