import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertAccount, uniqueAccountId, unsignedToken, widgetHeaders, widgetToken } from "./auth-tokens";

const ME = "https://sync.test/api/widget/me";

async function me(token?: string, headers: Record<string, string> = {}) {
  return SELF.fetch(ME, { headers: token === undefined ? headers : widgetHeaders(token, headers) });
}

async function refusal(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return (await res.json()) as { reason: string; detail: string; type: string };
}

describe("widget sign-in: tokens that are refused", () => {
  it("refuses a request without X-Auth-Token and says how to fix it", async () => {
    const body = await refusal(await me());
    expect(body.reason).toBe("missing");
    expect(body.detail).toMatch(/X-Auth-Token/);
    expect(body.detail).toMatch(/amoCRM/);
  });

  it("refuses a token signed with another secret", async () => {
    const body = await refusal(await me(await widgetToken({}, { secret: "someone-elses-client-secret-0123456789" })));
    expect(body.reason).toBe("signature");
  });

  it("refuses an unsigned `alg: none` token", async () => {
    const body = await refusal(await me(unsignedToken({ is_admin: true })));
    expect(["signature", "malformed"]).toContain(body.reason);
  });

  it("refuses an HS512 token even when signed with the right secret", async () => {
    const body = await refusal(await me(await widgetToken({}, { alg: "HS512" })));
    expect(body.reason).toBe("signature");
  });

  it("refuses a token issued for another server (aud)", async () => {
    const body = await refusal(await me(await widgetToken({ aud: "https://other-integration.example" })));
    expect(body.reason).toBe("audience");
  });

  it("refuses an expired token and accepts one within the minute of clock leeway", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await widgetToken({ iat: now - 1900, nbf: now - 1900, exp: now - 120 });
    expect((await refusal(await me(expired))).reason).toBe("expired");
    const justExpired = await widgetToken({ iat: now - 1800, nbf: now - 1800, exp: now - 20 });
    expect((await me(justExpired)).status).toBe(200);
  });

  it("refuses a token whose nbf is in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = await refusal(await me(await widgetToken({ iat: now, nbf: now + 300, exp: now + 1800 })));
    expect(body.reason).toBe("not_yet_valid");
  });

  it("refuses a token of another integration (client_uuid)", async () => {
    const body = await refusal(await me(await widgetToken({ client_uuid: "00000000-aaaa-4bbb-8ccc-dddddddddddd" })));
    expect(body.reason).toBe("client");
  });

  it("refuses a token without account_id or user_id", async () => {
    expect((await refusal(await me(await widgetToken({}, { omit: ["account_id"] })))).reason).toBe("claims");
    expect((await refusal(await me(await widgetToken({}, { omit: ["user_id"] })))).reason).toBe("claims");
  });

  it("refuses a token for a known account whose iss is another account's domain", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId, subdomain: "acme", domain: "acme.amocrm.ru" });
    const forged = await widgetToken({ account_id: accountId, subdomain: "acme", iss: "https://evil.amocrm.ru" });
    expect((await refusal(await me(forged))).reason).toBe("issuer");
    const genuine = await widgetToken({ account_id: accountId, subdomain: "acme" });
    expect((await me(genuine)).status).toBe(200);
  });

  it("never echoes the token back", async () => {
    const token = await widgetToken({}, { secret: "wrong-secret-wrong-secret-wrong-secret" });
    const text = await (await me(token)).text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split(".")[2]!);
  });
});

describe("GET /api/widget/me", () => {
  it("answers who is signed in, from the token, for an account that is not installed yet", async () => {
    const accountId = uniqueAccountId();
    const res = await me(await widgetToken({ account_id: accountId, user_id: 777, subdomain: "newco", is_admin: true }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ account_id: accountId, subdomain: "newco", user_id: 777, is_admin: true, install_status: "not_installed" });
  });

  it("reports an active account without an action", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId, subdomain: "acme" });
    const res = await me(await widgetToken({ account_id: accountId }));
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ account_id: accountId, user_id: 501, is_admin: false, install_status: "active" });
    expect(body.action).toBeUndefined();
  });

  it("tells the admin to reinstall from the marketplace when amoCRM revoked access", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId, subdomain: "acme", status: "reauth_required" });
    const res = await me(await widgetToken({ account_id: accountId }));
    const body = (await res.json()) as { install_status: string; action: string; actionText: unknown };
    expect(body.install_status).toBe("reauth_required");
    // The English text for old clients and logs; the code the widget words in its language.
    expect(body.action).toMatch(/reinstall it from the amoCRM marketplace/i);
    expect(body.actionText).toEqual({ code: "install_reinstall_action", params: {} });
  });

  it("ignores an account id sent in the query or body", async () => {
    const accountId = uniqueAccountId();
    const res = await SELF.fetch(`${ME}?account_id=1`, { headers: widgetHeaders(await widgetToken({ account_id: accountId })) });
    expect(((await res.json()) as { account_id: number }).account_id).toBe(accountId);
  });
});

describe("widget CORS", () => {
  function preflight(origin: string) {
    return SELF.fetch(ME, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-auth-token, content-type" },
    });
  }

  it("answers a preflight from an amoCRM account with 204, without a token, allowing X-Auth-Token", async () => {
    const res = await preflight("https://acme.amocrm.ru");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://acme.amocrm.ru");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/X-Auth-Token/i);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Content-Type/i);
    for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE"]) expect(res.headers.get("access-control-allow-methods")).toContain(m);
    expect(res.headers.get("vary")).toMatch(/Origin/i);
  });

  it("allows Kommo, amocrm.com and our own origin", async () => {
    for (const origin of ["https://acme.kommo.com", "https://acme.amocrm.com", "https://sync.test"]) {
      expect((await preflight(origin)).headers.get("access-control-allow-origin"), origin).toBe(origin);
    }
  });

  it("does not allow look-alike or foreign origins", async () => {
    for (const origin of ["https://evil.example", "https://evil-amocrm.ru", "http://acme.amocrm.ru", "https://acme.amocrm.ru.evil.com", "https://amocrm.ru", "null"]) {
      const res = await preflight(origin);
      expect(res.headers.get("access-control-allow-origin"), origin).toBeNull();
      expect(res.headers.get("access-control-allow-headers"), origin).toBeNull();
    }
  });

  it("adds CORS headers to answers and to refusals, so the widget can read the reason", async () => {
    const ok = await me(await widgetToken({ account_id: uniqueAccountId() }), { Origin: "https://acme.amocrm.ru" });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://acme.amocrm.ru");
    const refused = await SELF.fetch(ME, { headers: { Origin: "https://acme.amocrm.ru" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://acme.amocrm.ru");
    expect(refused.headers.get("vary")).toMatch(/Origin/i);
  });
});
