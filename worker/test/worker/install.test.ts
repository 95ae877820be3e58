import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accounts, metadataCache, installs } from "../../src/db/schema";
import { amo, db, installAccount, ORIGIN, uniqueSubdomain } from "./harness";
import { vi } from "vitest";

describe.concurrent("amoCRM install", () => {
  it("installs from the marketplace: answers at once, exchanges the code in the queue, caches metadata, registers the webhook", async () => {
    const a = await installAccount();
    const row = (await db().select().from(accounts).where(eq(accounts.accountId, a.accountId)))[0]!;
    expect(row).toMatchObject({ status: "active", subdomain: a.subdomain, domain: `${a.subdomain}.amocrm.ru` });
    const meta = await db().select().from(metadataCache).where(eq(metadataCache.accountId, a.accountId));
    expect(meta.map((m) => m.kind).sort()).toEqual(["contact_fields", "lead_fields", "pipelines", "task_types", "user_groups", "users"]);
    const state = await amo.state(a.accountId);
    expect(state.oauth.code_exchanges).toBe(1);
    expect(state.webhooks.map((w) => w.destination)).toEqual([`${ORIGIN}/hooks/amocrm/${row.amoHookKey}`]);
  });

  it("keeps one account when the same account installs twice", async () => {
    const a = await installAccount();
    const { code } = await amo.issueCode(a.accountId);
    const res = await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${code}&referer=${a.subdomain}.amocrm.ru&from_widget=1`);
    expect(res.status).toBe(200);
    await vi.waitUntil(async () => (await amo.state(a.accountId)).oauth.code_exchanges === 2, { timeout: 20_000 });
    await vi.waitUntil(async () => (await db().select().from(installs).where(eq(installs.referer, `${a.subdomain}.amocrm.ru`))).every((i) => i.status === "done"), { timeout: 20_000 });
    const rows = await db().select().from(accounts).where(eq(accounts.subdomain, a.subdomain));
    expect(rows).toHaveLength(1);
    expect((await amo.state(a.accountId)).webhooks).toHaveLength(1);
  });

  it("installs through the button with our signed state and refuses a forged state", async () => {
    const start = await SELF.fetch(`${ORIGIN}/oauth/amocrm/start`, { redirect: "manual" });
    expect(start.status).toBe(302);
    const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
    const info = await amo.createAccount({ subdomain: uniqueSubdomain("btn") });
    const { code } = await amo.issueCode(info.id);
    const forged = await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${code}&referer=${info.domain}&state=${state.slice(0, -3)}abc`);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { detail: string }).detail).toMatch(/state/);
    const ok = await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${code}&referer=${info.domain}&state=${state}`);
    expect(ok.status).toBe(200);
    await vi.waitUntil(async () => (await db().select().from(accounts).where(eq(accounts.accountId, info.id)))[0]?.status === "active", { timeout: 20_000 });
  });

  it("refuses a callback without code, with a foreign referer, or with neither state nor from_widget", async () => {
    expect((await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?referer=x.amocrm.ru&from_widget=1`)).status).toBe(400);
    expect((await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=abc&referer=evil.example.com&from_widget=1`)).status).toBe(400);
    expect((await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=abc&referer=x.amocrm.ru`)).status).toBe(400);
  });

  it("stores no access or refresh token in plain text in D1", async () => {
    await installAccount();
    const tables = await env.DB.prepare("select name from sqlite_master where type='table'").all<{ name: string }>();
    let dump = "";
    for (const { name } of tables.results) {
      if (name.startsWith("_cf") || name.startsWith("sqlite")) continue;
      const rows = await env.DB.prepare(`select * from "${name}"`).all();
      dump += JSON.stringify(rows.results);
    }
    // amoCRM's access tokens are JWTs (eyJ…); the simulator's refresh tokens are opaque: none may appear.
    expect(dump).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    const state = await amo.state((await db().select().from(accounts).limit(1))[0]!.accountId);
    expect(state.account.tokens_revoked).toBeFalsy();
  });
});
