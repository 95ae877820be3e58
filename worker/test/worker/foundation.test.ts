import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { makeDb } from "../../src/db/client";
import { tenant, TenantRequiredError, type Tenant } from "../../src/db/tenant";
import { listAudit, writeAudit } from "../../src/db/audit";
import { secretBox, SecretBoxError } from "../../src/lib/secret-box";

const KEY_A = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
const KEY_B = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

describe("foundation: storage", () => {
  it("applies every migration: all tenant tables exist and carry account_id", async () => {
    const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name not like 'd1_%' and name not like 'sqlite_%'").all<{ name: string }>();
    const names = tables.results.map((r) => r.name).sort();
    expect(names).toEqual(
      ["accounts", "admin_links", "admin_sessions", "amo_user_rights", "audit_log", "call_results", "cursors", "dp_keys", "events", "field_mappings", "import_rows", "imports", "installs", "key_rotation", "lead_policies", "links", "list_job_items", "list_jobs", "lpt_connections", "lpt_projects", "metadata_cache", "quota_hits", "rule_versions", "rules", "stage_maps", "unsorted_entries", "unsorted_settings"].sort(),
    );
    // installs learn their account only after the code exchange; key_rotation is the one global row.
    for (const name of names.filter((n) => n !== "installs" && n !== "key_rotation")) {
      const cols = await env.DB.prepare(`pragma table_info(${name})`).all<{ name: string; notnull: number }>();
      const accountCol = cols.results.find((c) => c.name === "account_id");
      expect(accountCol, `${name}.account_id`).toBeTruthy();
    }
  });

  it("refuses to run a tenant data function without an account", async () => {
    const db = makeDb(env.DB);
    expect(() => tenant(db, undefined as unknown as number)).toThrow(TenantRequiredError);
    expect(() => tenant(db, 0)).toThrow(TenantRequiredError);
    expect(() => tenant(db, -5)).toThrow(TenantRequiredError);
    expect(() => tenant(db, "12" as unknown as number)).toThrow(TenantRequiredError);
    await expect(async () => writeAudit(undefined as unknown as Tenant, { source: "system", action: "x", message: "m" })).rejects.toThrow(TenantRequiredError);
    await expect(async () => writeAudit({ accountId: 0, db } as Tenant, { source: "system", action: "x", message: "m" })).rejects.toThrow(TenantRequiredError);
  });

  it("keeps each account's audit rows to itself and masks phones and e-mails", async () => {
    const db = makeDb(env.DB);
    const a = tenant(db, 1001);
    const b = tenant(db, 1002);
    await writeAudit(a, { source: "system", action: "test", message: "Позвонили +7 (999) 123-45-67, почта ivan.petrov@example.ru" });
    const rowsA = await listAudit(a, {});
    const rowsB = await listAudit(b, {});
    expect(rowsA.total).toBe(1);
    expect(rowsB.total).toBe(0);
    expect(rowsA.items[0]!.message).not.toContain("123-45-67");
    expect(rowsA.items[0]!.message).not.toContain("ivan.petrov");
    expect(rowsA.items[0]!.message).toContain("@example.ru");
  });
});

describe("foundation: audit search", () => {
  it("finds Cyrillic text whatever its case and takes % and _ literally", async () => {
    const a = tenant(makeDb(env.DB), 1003);
    await writeAudit(a, { source: "rules", action: "rule.created", message: "Правило «Яндекс → воронка» создано" });
    await writeAudit(a, { source: "rules", action: "rule.created", message: "Скидка 50% для всех" });
    expect((await listAudit(a, { q: "яндекс" })).total).toBe(1);
    expect((await listAudit(a, { q: "ЯНДЕКС" })).total).toBe(1);
    expect((await listAudit(a, { q: "50%" })).total).toBe(1);
    expect((await listAudit(a, { q: "%" })).total).toBe(1);
    expect((await listAudit(a, { q: "_" })).total).toBe(0);
  });
});

describe("foundation: secret box", () => {
  it("round-trips a secret and never stores the plain text", async () => {
    const box = secretBox(`v1:${KEY_A}`);
    const sealed = await box.seal("refresh-token-value", "account:1:amo");
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("refresh-token-value");
    expect(await box.open(sealed, "account:1:amo")).toBe("refresh-token-value");
  });

  it("rejects a tampered ciphertext, a wrong key and a wrong context", async () => {
    const box = secretBox(`v1:${KEY_A}`);
    const sealed = await box.seal("secret", "ctx");
    const parts = sealed.split(".");
    const data = parts[2]!;
    const flipped = (data[0] === "A" ? "B" : "A") + data.slice(1);
    await expect(box.open(`${parts[0]}.${parts[1]}.${flipped}`, "ctx")).rejects.toThrow(SecretBoxError);
    await expect(secretBox(`v1:${KEY_B}`).open(sealed, "ctx")).rejects.toThrow(SecretBoxError);
    await expect(box.open(sealed, "other-ctx")).rejects.toThrow(SecretBoxError);
    await expect(box.open("garbage", "ctx")).rejects.toThrow(SecretBoxError);
  });

  it("opens values sealed under an older key after rotation and marks them stale", async () => {
    const old = secretBox(`v1:${KEY_A}`);
    const sealed = await old.seal("secret", "ctx");
    const rotated = secretBox(`v2:${KEY_B},v1:${KEY_A}`);
    expect(await rotated.open(sealed, "ctx")).toBe("secret");
    expect(rotated.isStale(sealed)).toBe(true);
    const fresh = await rotated.seal("secret", "ctx");
    expect(fresh).toMatch(/^v2\./);
    expect(rotated.isStale(fresh)).toBe(false);
    await expect(old.open(fresh, "ctx")).rejects.toThrow(/no key "v2"/);
  });
});

describe("foundation: HTTP", () => {
  it("serves /healthz with 200 after checking D1, with a request id", async () => {
    const res = await SELF.fetch("https://sync.test/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/.{8,}/);
    expect(await res.json()).toMatchObject({ status: "ok", db: "ok" });
  });

  it("answers an unknown route with a problem+json 404 carrying the request id", async () => {
    const res = await SELF.fetch("https://sync.test/nope", { headers: { "x-request-id": "req-12345678" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("x-request-id")).toBe("req-12345678");
    expect(await res.json()).toMatchObject({ type: "/problems/not-found", status: 404, requestId: "req-12345678" });
  });

  it("names a missing secret in a clear 500 instead of crashing", async () => {
    const app = createApp();
    const res = await app.fetch(new Request("https://sync.test/healthz"), { ...env, ENCRYPTION_KEY: undefined, SESSION_SECRET: "" }, createExecutionContext());
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as { detail: string; missing: string[]; requestId: string };
    expect(body.missing).toEqual(["ENCRYPTION_KEY", "SESSION_SECRET"]);
    expect(body.detail).toContain("ENCRYPTION_KEY");
    expect(body.requestId).toBeTruthy();
  });

  it("refuses an oversized body with 413 and a message", async () => {
    const big = "x".repeat(1_100_000);
    const res = await SELF.fetch("https://sync.test/hooks/lptracker/anything", { method: "POST", body: big, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { detail: string; limitBytes: number };
    expect(body.detail).toMatch(/larger than 1 MB/);
    expect(body.limitBytes).toBe(1_048_576);
  });
});
