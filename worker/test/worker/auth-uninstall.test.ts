import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { makeDb } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { accounts, auditLog } from "../../src/db/schema";
import { tenant } from "../../src/db/tenant";
import { purgeExpiredAccounts, restoreAccount, tenantTableNames } from "../../src/db/purge";
import { amoGate } from "../../src/amocrm/gate";
import { insertAccount, uniqueAccountId } from "./auth-tokens";
import { TEST_BINDINGS } from "./bindings";
import { amo, installAccount, ORIGIN, widgetFetch } from "./harness";
import { runDisconnectCheckJob } from "../../src/auth/disconnect";
import worker from "../../src/index";
import type { HookMessage, JobMessage } from "../../src/queue/messages";
import { RetryLater } from "../../src/queue/retry";

const HOOK = "https://sync.test/oauth/amocrm/disconnect";
const CLIENT_ID = TEST_BINDINGS.AMOCRM_CLIENT_ID;
const DAY = 24 * 60 * 60 * 1000;
const db = () => makeDb(env.DB);

async function sign(accountId: number | string, clientUuid: string = CLIENT_ID, secret: string = TEST_BINDINGS.AMOCRM_CLIENT_SECRET): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${clientUuid}|${accountId}`));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function account(accountId: number) {
  return (await db().select().from(accounts).where(eq(accounts.accountId, accountId)))[0];
}

function hookByQuery(fields: Record<string, string>) {
  return SELF.fetch(`${HOOK}?${new URLSearchParams(fields)}`);
}

/** One row in every tenant table for the account; ids and keys are unique per account. */
async function seedTenantRows(accountId: number): Promise<string[]> {
  const d = db();
  const k = `${accountId}-${crypto.randomUUID()}`;
  const now = Date.now();
  await d.batch([
    d.insert(schema.installs).values({ id: `inst-${k}`, accountId, referer: "acme.amocrm.ru", flow: "marketplace", sealedCode: "v1.x.y" }),
    d.insert(schema.lptConnections).values({ accountId, login: "user@example.ru", sealedPassword: "v1.x.y" }),
    d.insert(schema.lptProjects).values({ accountId, connectionId: 1, projectId: 10, hookKey: `hook-${k}` }),
    d.insert(schema.fieldMappings).values({ accountId, projectId: 10 }),
    d.insert(schema.stageMaps).values({ accountId, projectId: 10, lptStageId: 1, amoPipelineId: 2, amoStatusId: 3 }),
    d.insert(schema.rules).values({ accountId, name: "r", trigger: "lpt.lead.created" }),
    d.insert(schema.events).values({ accountId, source: "lptracker", action: "create", dedupeKey: `e-${k}`, payload: "{}" }),
    d.insert(schema.links).values({ accountId, kind: "lead", lptId: "1", amoId: "2" }),
    d.insert(schema.metadataCache).values({ accountId, kind: "users", data: [] }),
    d.insert(schema.imports).values({ accountId, fileKey: `f-${k}`, fileName: "a.xlsx", fileSize: 1 }),
    d.insert(schema.importRows).values({ accountId, importId: 1, chunk: 0, rowNumber: 1, data: { values: [] } }),
    d.insert(schema.callResults).values({ accountId, source: "import", callId: `c-${k}` }),
    d.insert(schema.auditLog).values({ accountId, source: "system", action: "seed", message: "seed" }),
    d.insert(schema.adminLinks).values({ id: `link-${k}`, accountId, userId: 1, expiresAt: now }),
    d.insert(schema.adminSessions).values({ id: `session-${k}`, accountId, userId: 1, expiresAt: now, rightsCheckedAt: now, nextCheckAt: now }),
    d.insert(schema.cursors).values({ accountId, name: "reconcile", value: "0" }),
    d.insert(schema.amoUserRights).values({ accountId, userId: 1, rights: { id: 1 } }),
    d.insert(schema.ruleVersions).values({ accountId, ruleId: 1, version: 1, change: "created" }),
    d.insert(schema.quotaHits).values({ accountId, kind: "hook_rate", windowStart: now - (now % 3_600_000), refused: 1, lastAt: now }),
    d.insert(schema.listJobs).values({ accountId, entity: "leads", projectId: 10, total: 1, countSelected: 1 }),
    d.insert(schema.listJobItems).values({ accountId, jobId: 1, position: 0, entityType: "lead", entityId: 2 }),
    d.insert(schema.dpKeys).values({ accountId, key: `dp-${k}` }),
    d.insert(schema.leadPolicies).values({ accountId, projectId: 10 }),
    d.insert(schema.unsortedSettings).values({ accountId, projectId: 10, pipelineId: 1 }),
    d.insert(schema.unsortedEntries).values({ accountId, uid: `u-${k}`, projectId: 10, lptLeadId: "1", amoLeadId: "2" }),
  ]);
  return ["unsorted_settings", "unsorted_entries", "list_jobs", "list_job_items", "dp_keys", "lead_policies", "amo_user_rights", "installs", "lpt_connections", "lpt_projects", "field_mappings", "stage_maps", "rules", "events", "links", "metadata_cache", "imports", "import_rows", "call_results", "audit_log", "admin_links", "admin_sessions", "cursors", "rule_versions", "quota_hits", "accounts"];
}

async function countRows(accountId: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tenantTableNames()) {
    const row = await env.DB.prepare(`select count(*) as n from ${table} where account_id = ?`).bind(accountId).first<{ n: number }>();
    out[table] = row!.n;
  }
  return out;
}

describe("uninstall hook (/oauth/amocrm/disconnect)", () => {
  it("marks the account uninstalled from a signed GET query and starts the grace period", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const before = Date.now();
    const res = await hookByQuery({ account_id: String(accountId), client_uuid: CLIENT_ID, signature: await sign(accountId) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const row = (await account(accountId))!;
    expect(row.status).toBe("uninstalled");
    expect(row.uninstalledAt).toBeGreaterThanOrEqual(before);
    expect(row.purgeAfter).toBe(row.uninstalledAt! + 30 * DAY);
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "account.uninstalled")));
    expect(audit).toHaveLength(1);
  });

  it("accepts the JSON POST variant (account_id as a number)", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const res = await SELF.fetch(HOOK, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account_id: accountId, client_uuid: CLIENT_ID, signature: await sign(accountId) }),
    });
    expect(res.status).toBe(200);
    expect((await account(accountId))!.status).toBe("uninstalled");
  });

  it("accepts the form POST variant", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const res = await SELF.fetch(HOOK, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ account_id: String(accountId), client_uuid: CLIENT_ID, signature: await sign(accountId) }).toString(),
    });
    expect(res.status).toBe(200);
    expect((await account(accountId))!.status).toBe("uninstalled");
  });

  it("makes the account's Durable Object forget its amoCRM tokens", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const gate = amoGate(env, accountId);
    await gate.storeTokens({ accountId, domain: "acme.amocrm.ru", apiDomain: null, accessToken: "a.b.c", refreshToken: "r", expiresAt: Date.now() + DAY });
    expect((await gate.status()).hasTokens).toBe(true);
    await hookByQuery({ account_id: String(accountId), client_uuid: CLIENT_ID, signature: await sign(accountId) });
    expect((await gate.status()).hasTokens).toBe(false);
  });

  it("changes nothing for a bad signature", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const wrongKey = await sign(accountId, CLIENT_ID, "not-our-client-secret-not-our-client-secret");
    const otherAccount = await sign(accountId + 1);
    for (const signature of [wrongKey, otherAccount, "00".repeat(32), "nothex"]) {
      const res = await hookByQuery({ account_id: String(accountId), client_uuid: CLIENT_ID, signature });
      expect(res.status, signature).toBe(401);
    }
    const row = (await account(accountId))!;
    expect(row).toMatchObject({ status: "active", uninstalledAt: null, purgeAfter: null });
    expect(await db().select().from(auditLog).where(eq(auditLog.accountId, accountId))).toHaveLength(0);
  });

  it("changes nothing for another integration's client_uuid, even with a signature that matches it", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const other = "00000000-aaaa-4bbb-8ccc-dddddddddddd";
    const res = await hookByQuery({ account_id: String(accountId), client_uuid: other, signature: await sign(accountId, other) });
    expect(res.status).toBe(401);
    expect((await account(accountId))!.status).toBe("active");
  });

  it("answers 400 when a field is missing", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const res = await hookByQuery({ account_id: String(accountId), client_uuid: CLIENT_ID });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { missing: string[] }).missing).toEqual(["signature"]);
    expect((await account(accountId))!.status).toBe("active");
  });

  it("answers ok for an account we do not know", async () => {
    const accountId = uniqueAccountId();
    const res = await hookByQuery({ account_id: String(accountId), client_uuid: CLIENT_ID, signature: await sign(accountId) });
    expect(res.status).toBe(200);
    expect(await account(accountId)).toBeUndefined();
  });

  it("does not move the purge date when the hook arrives twice", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const fields = { account_id: String(accountId), client_uuid: CLIENT_ID, signature: await sign(accountId) };
    await hookByQuery(fields);
    const first = (await account(accountId))!.purgeAfter;
    await new Promise((r) => setTimeout(r, 5));
    expect((await hookByQuery(fields)).status).toBe(200);
    expect((await account(accountId))!.purgeAfter).toBe(first);
  });
});

describe("purge after the grace period", () => {
  it("covers every table that has an account_id column", async () => {
    const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name not like 'd1_%' and name not like 'sqlite_%'").all<{ name: string }>();
    const withAccount: string[] = [];
    for (const { name } of tables.results) {
      const cols = await env.DB.prepare(`pragma table_info(${name})`).all<{ name: string }>();
      if (cols.results.some((c) => c.name === "account_id")) withAccount.push(name);
    }
    expect(tenantTableNames().sort()).toEqual(withAccount.sort());
  });

  it("removes every row of an expired account and leaves other accounts untouched", async () => {
    const gone = uniqueAccountId();
    const waiting = uniqueAccountId();
    const active = uniqueAccountId();
    const now = Date.now();
    await insertAccount({ accountId: gone, status: "uninstalled", uninstalledAt: now - 31 * DAY, purgeAfter: now - DAY });
    await insertAccount({ accountId: waiting, status: "uninstalled", uninstalledAt: now - DAY, purgeAfter: now + 29 * DAY });
    await insertAccount({ accountId: active });
    const seeded = await seedTenantRows(gone);
    await seedTenantRows(waiting);
    await seedTenantRows(active);
    expect(seeded.sort()).toEqual(tenantTableNames().sort());
    for (const id of [gone, waiting, active]) expect(Object.values(await countRows(id)).every((n) => n >= 1), String(id)).toBe(true);

    const purged = await purgeExpiredAccounts(db(), now);
    expect(purged).toContain(gone);
    expect(purged).not.toContain(waiting);
    expect(purged).not.toContain(active);
    expect(Object.values(await countRows(gone)).every((n) => n === 0)).toBe(true);
    expect(Object.values(await countRows(waiting)).every((n) => n >= 1)).toBe(true);
    expect(Object.values(await countRows(active)).every((n) => n >= 1)).toBe(true);
  });

  it("keeps the data of an account reinstalled before the purge", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    await seedTenantRows(accountId);
    await hookByQuery({ account_id: String(accountId), client_uuid: CLIENT_ID, signature: await sign(accountId) });
    const uninstalled = (await account(accountId))!;
    expect(uninstalled.purgeAfter).not.toBeNull();

    expect(await restoreAccount(tenant(db(), accountId))).toBe(true);
    const restored = (await account(accountId))!;
    expect(restored).toMatchObject({ uninstalledAt: null, purgeAfter: null });
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "account.restored")));
    expect(audit).toHaveLength(1);

    expect(await purgeExpiredAccounts(db(), uninstalled.purgeAfter! + DAY)).not.toContain(accountId);
    expect(Object.values(await countRows(accountId)).every((n) => n >= 1)).toBe(true);
  });

  it("restoring an account that is not counting down changes nothing", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    expect(await restoreAccount(tenant(db(), accountId))).toBe(false);
    expect(await db().select().from(auditLog).where(eq(auditLog.accountId, accountId))).toHaveLength(0);
  });
});

/** One message through the Worker's own queue handler, as the queue would deliver it. */
async function consume(queue: string, body: JobMessage, attempts: number) {
  const batch = createMessageBatch<JobMessage>(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<JobMessage | HookMessage>, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("uninstall hook: confirmed with amoCRM before anything is wiped", () => {
  /** Delivers a hook the simulator produced (outbox mode) the way amoCRM would send it. */
  function deliver(hook: { url: string; method: string; headers: Record<string, string>; body?: string }) {
    return SELF.fetch(hook.url, { method: hook.method, headers: hook.headers, body: hook.method === "GET" ? undefined : hook.body });
  }
  const auditActions = async (accountId: number) => (await db().select().from(auditLog).where(eq(auditLog.accountId, accountId))).map((r) => r.action);

  it("applies a genuine disconnect: amoCRM revoked the tokens, so the refresh is refused", async () => {
    const a = await installAccount();
    const hook = await amo.disconnect(a.accountId, HOOK, "query");
    const res = await deliver(hook);
    expect(res.status).toBe(200);
    expect((await account(a.accountId))!.status).toBe("uninstalled");
    expect((await amoGate(env, a.accountId).status()).hasTokens).toBe(false);
    const row = (await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "account.uninstalled"))))[0]!;
    expect(JSON.stringify(row.data)).toContain("refused our refresh token");
  });

  it("does nothing when a captured hook is replayed after a reinstall", async () => {
    const a = await installAccount();
    const hook = await amo.disconnect(a.accountId, HOOK, "json");
    expect((await deliver(hook)).status).toBe(200);
    expect((await account(a.accountId))!.status).toBe("uninstalled");

    // The user installs again: new tokens, the account is live.
    const { code } = await amo.issueCode(a.accountId);
    expect((await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${code}&referer=${a.info.domain}&from_widget=1`)).status).toBe(200);
    await vi.waitUntil(async () => (await account(a.accountId))!.status === "active", { timeout: 30_000, interval: 100 });

    const replay = await deliver(hook);
    expect(replay.status).toBe(409);
    expect(replay.headers.get("content-type")).toContain("application/problem+json");
    expect(((await replay.json()) as { reason: string }).reason).toBe("access_still_valid");
    const row = (await account(a.accountId))!;
    expect(row).toMatchObject({ status: "active", uninstalledAt: null, purgeAfter: null });
    expect((await amoGate(env, a.accountId).status()).hasTokens).toBe(true);
    expect(await auditActions(a.accountId)).toContain("account.disconnect_refused");
    // The tenant keeps working: the widget reads through the same tokens.
    expect((await widgetFetch(a, "/api/widget/me")).status).toBe(200);
  });

  it("does nothing for a signed hook while amoCRM still accepts our token (no revocation at all)", async () => {
    const a = await installAccount();
    const hook = await amo.disconnect(a.accountId, HOOK, "form", false);
    for (let i = 0; i < 3; i++) expect((await deliver(hook)).status).toBe(409);
    expect((await account(a.accountId))!.status).toBe("active");
    expect((await amoGate(env, a.accountId).status()).hasTokens).toBe(true);
    // Replayed again and again, it is audited once per re-check window, not once per request.
    expect((await auditActions(a.accountId)).filter((x) => x === "account.disconnect_refused")).toHaveLength(1);
  });

  it("the queued re-check after a refusal uninstalls once amoCRM has revoked the access, and only then", async () => {
    const a = await installAccount();
    const hook = await amo.disconnect(a.accountId, HOOK, "query", false);
    expect((await deliver(hook)).status).toBe(409);
    // Still live at the re-check: refused for good, nothing changes.
    await runDisconnectCheckJob(env, { accountId: a.accountId, variant: "query", recheck: true }, 1);
    expect((await account(a.accountId))!.status).toBe("active");
    // amoCRM revoked a moment after it called us: the re-check applies the uninstall.
    await amo.revoke(a.accountId);
    await runDisconnectCheckJob(env, { accountId: a.accountId, variant: "query", recheck: true }, 1);
    expect((await account(a.accountId))!.status).toBe("uninstalled");
  });

  it("keeps everything when amoCRM cannot be reached, and retries through the queue until it can", async () => {
    const a = await installAccount();
    const hook = await amo.disconnect(a.accountId, HOOK, "query");
    await amo.setFaults(a.accountId, { rate: 1, kinds: ["500"], seed: 1, paths: ["/api/v4/", "/oauth2/"] });
    const res = await deliver(hook);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true, pending: true });
    expect((await account(a.accountId))!.status).not.toBe("uninstalled");
    expect((await amoGate(env, a.accountId).status()).hasTokens).toBe(true);
    expect(await auditActions(a.accountId)).toContain("account.disconnect_pending");

    // The queued check, through the production queue consumer, while amoCRM is still down: the
    // message is retried later (RetryLater carries the delay), nothing is wiped.
    const check = { kind: "disconnect-check" as const, accountId: a.accountId, variant: "query", recheck: false };
    await expect(runDisconnectCheckJob(env, check, 1)).rejects.toBeInstanceOf(RetryLater);
    const down = await consume("sync-jobs", check, 2);
    expect(down.retryMessages).toHaveLength(1);
    expect(down.explicitAcks).toHaveLength(0);
    expect((await account(a.accountId))!.status).not.toBe("uninstalled");
    // Out of retries (the dead-letter queue): audited, still nothing wiped.
    await consume("sync-jobs-dlq", check, 7);
    expect(await auditActions(a.accountId)).toContain("account.disconnect_unconfirmed");
    expect((await account(a.accountId))!.status).not.toBe("uninstalled");

    // amoCRM answers again: the next check confirms the revocation and applies the uninstall.
    await amo.setFaults(a.accountId, null);
    const up = await consume("sync-jobs", check, 3);
    expect(up.explicitAcks).toHaveLength(1);
    expect((await account(a.accountId))!.status).toBe("uninstalled");
    expect((await amoGate(env, a.accountId).status()).hasTokens).toBe(false);
  });
});
