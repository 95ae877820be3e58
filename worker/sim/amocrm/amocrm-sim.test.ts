// Specification of the amoCRM simulator: what the Worker may rely on when it talks to "amoCRM" in
// the sandbox and in tests. Most cases go over real HTTP through serve(); a few call handle() directly.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, SimConnectionReset, type RunningServer } from "../shared/node-server";
import { AmoSimControl } from "./control";
import { createAmoCrmSim, DEFAULT_BLOCK_AFTER_429S, decodeJwtPayload, type AccountInfo, type AmoCrmSim, type AmoCrmSimOptions, type TokenResponse } from "./index";

const CLIENT = {
  clientId: "5b0e2c4a-7f1d-4c55-9a31-0c6f5e1d2b77",
  clientSecret: "sim-client-secret",
  redirectUri: "https://worker.example/amocrm/oauth",
};

interface Env {
  sim: AmoCrmSim;
  server: RunningServer;
  control: AmoSimControl;
  url: string;
}

const servers: RunningServer[] = [];

async function start(options: Partial<AmoCrmSimOptions> = {}): Promise<Env> {
  const sim = createAmoCrmSim({ ...CLIENT, ...options });
  const server = await serve((request) => sim.handle(request));
  servers.push(server);
  return { sim, server, control: new AmoSimControl(server.url), url: server.url };
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function tokenCall(env: Env, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${env.url}/oauth2/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

function codeGrant(code: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, grant_type: "authorization_code", code, redirect_uri: CLIENT.redirectUri, ...overrides };
}

function refreshGrant(refreshToken: string): Record<string, unknown> {
  return { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, grant_type: "refresh_token", refresh_token: refreshToken, redirect_uri: CLIENT.redirectUri };
}

type Api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;

function apiFor(env: Env, accessToken: string): Api {
  return (method, path, body, headers = {}) =>
    fetch(`${env.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** A fresh account, installed: code exchanged for tokens over HTTP. */
async function install(env: Env): Promise<{ info: AccountInfo; tokens: TokenResponse; api: Api }> {
  const info = await env.control.createAccount();
  const { code } = await env.control.issueCode(info.id);
  const res = await tokenCall(env, codeGrant(code));
  expect(res.status).toBe(200);
  const tokens = (await res.json()) as TokenResponse;
  return { info, tokens, api: apiFor(env, tokens.access_token) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function phoneField(value: string, enumCode = "WORK"): Record<string, unknown> {
  return { field_code: "PHONE", values: [{ value, enum_code: enumCode }] };
}

let env: Env;
beforeAll(async () => {
  // A generous limit here: the budget itself is specified on a separate sim with the real default of 7.
  env = await start({ rateLimitPerSecond: 1000 });
});

describe("amoCRM simulator: OAuth", () => {
  it("exchanges an authorization code for a Bearer token pair living 24 h", async () => {
    const { tokens } = await install(env);
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.expires_in).toBe(86400);
    expect(tokens.access_token.split(".")).toHaveLength(3);
    expect(tokens.refresh_token.length).toBeGreaterThan(100);
    expect(typeof tokens.server_time).toBe("number");
  });

  it("accepts each code once: a second exchange answers 400", async () => {
    const info = await env.control.createAccount();
    const { code } = await env.control.issueCode(info.id);
    expect((await tokenCall(env, codeGrant(code))).status).toBe(200);
    const again = await tokenCall(env, codeGrant(code));
    expect(again.status).toBe(400);
    expect(((await again.json()) as { hint: string }).hint).toBe("Authorization code has been revoked");
  });

  it("refuses a code issued before the access was withdrawn (disabled integration): a new grant needs a new code", async () => {
    const info = await env.control.createAccount();
    const { code } = await env.control.issueCode(info.id);
    await env.control.revoke(info.id);
    const stale = await tokenCall(env, codeGrant(code));
    expect(stale.status).toBe(400);
    const fresh = await env.control.issueCode(info.id);
    expect((await tokenCall(env, codeGrant(fresh.code))).status).toBe(200);
  });

  it("refuses a wrong client secret with 401 and a wrong redirect_uri with 400, without spending the code", async () => {
    const info = await env.control.createAccount();
    const { code } = await env.control.issueCode(info.id);
    const badSecret = await tokenCall(env, codeGrant(code, { client_secret: "nope" }));
    expect(badSecret.status).toBe(401);
    expect(((await badSecret.json()) as { hint: string }).hint).toBe("Client authentication failed");
    expect((await tokenCall(env, codeGrant(code, { redirect_uri: "https://evil.example/cb" }))).status).toBe(400);
    expect((await tokenCall(env, codeGrant(code))).status).toBe(200);
  });

  it("takes a form-encoded token request as well as JSON", async () => {
    const info = await env.control.createAccount();
    const { code } = await env.control.issueCode(info.id);
    const res = await fetch(`${env.url}/oauth2/access_token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(codeGrant(code) as Record<string, string>).toString(),
    });
    expect(res.status).toBe(200);
  });

  it("lets a code expire after 20 minutes", async () => {
    let clock = Date.UTC(2025, 0, 1);
    const timed = await start({ now: () => clock });
    const info = await timed.control.createAccount();
    const { code } = await timed.control.issueCode(info.id);
    clock += 20 * 60 * 1000 + 1;
    const res = await tokenCall(timed, codeGrant(code));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { hint: string }).hint).toBe("Authorization code has expired");
  });

  it("issues RS256 JWT access tokens with decodable claims and a valid signature", async () => {
    const { info, tokens } = await install(env);
    const [head, , signature] = tokens.access_token.split(".");
    expect(JSON.parse(Buffer.from(head!, "base64url").toString())).toEqual({ alg: "RS256", typ: "JWT" });
    const claims = decodeJwtPayload(tokens.access_token);
    expect(claims).toMatchObject({
      aud: CLIENT.clientId,
      sub: String(info.admin_user_id),
      account_id: info.id,
      base_domain: "amocrm.ru",
      api_domain: "api-b.amocrm.ru",
    });
    expect(claims.exp).toBe((claims.iat as number) + 86400);
    expect(claims.nbf).toBe(claims.iat);
    expect(typeof claims.jti).toBe("string");
    expect(claims.scopes).toContain("crm");

    const { keys } = await env.control.jwks();
    const key = await crypto.subtle.importKey("jwk", keys[0]!, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    const signedPart = tokens.access_token.slice(0, tokens.access_token.lastIndexOf("."));
    const ok = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, Buffer.from(signature!, "base64url"), new TextEncoder().encode(signedPart));
    expect(ok).toBe(true);
  });

  it('answers 401 "Token has been revoked" when a refresh token is used twice', async () => {
    const { info, tokens } = await install(env);
    const first = await tokenCall(env, refreshGrant(tokens.refresh_token));
    expect(first.status).toBe(200);
    const fresh = (await first.json()) as TokenResponse;
    expect(fresh.refresh_token).not.toBe(tokens.refresh_token);

    const second = await tokenCall(env, refreshGrant(tokens.refresh_token));
    expect(second.status).toBe(401);
    expect(await second.json()).toMatchObject({ hint: "Token has been revoked", title: "Unauthorized", type: "https://httpstatus.es/401", status: 401 });

    const state = await env.control.state(info.id);
    expect(state.oauth.refresh_calls).toBe(2);
    expect(state.oauth.refresh_succeeded).toBe(1);
  });

  it("keeps the replaced access token working for a short grace after a refresh, then refuses it", async () => {
    let clock = Date.UTC(2025, 0, 1);
    const timed = await start({ now: () => clock, refreshGraceSec: 30 });
    const { tokens, api } = await install(timed);
    const fresh = (await (await tokenCall(timed, refreshGrant(tokens.refresh_token))).json()) as TokenResponse;
    expect((await api("GET", "/api/v4/account")).status).toBe(200);
    clock += 31_000;
    expect((await api("GET", "/api/v4/account")).status).toBe(401);
    expect((await apiFor(timed, fresh.access_token)("GET", "/api/v4/account")).status).toBe(200);
  });

  it("refuses an expired access token with 401 problem+json", async () => {
    const { info, api } = await install(env);
    await env.control.expireTokens(info.id);
    const res = await api("GET", "/api/v4/account");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers refresh and API calls with 401 once the user revokes access", async () => {
    const { info, tokens, api } = await install(env);
    await env.control.revoke(info.id);
    expect((await api("GET", "/api/v4/account")).status).toBe(401);
    const refresh = await tokenCall(env, refreshGrant(tokens.refresh_token));
    expect(refresh.status).toBe(401);
    expect(((await refresh.json()) as { hint: string }).hint).toBe("Token has been revoked");
    expect((await env.control.state(info.id)).account.tokens_revoked).toBe(true);
  });
});

describe("amoCRM simulator: account domain change", () => {
  it("after a move, the old domain answers 404 to a refresh and 401 to the API; the refresh token reveals the new domain", async () => {
    const { info, tokens, api } = await install(env);
    const oldHost = { "x-forwarded-host": info.domain };
    expect((await api("GET", "/api/v4/account", undefined, oldHost)).status).toBe(200);

    const moved = await env.control.move(info.id, `moved-${info.id}`);
    expect(moved.previous_domains).toEqual([info.domain]);

    expect((await tokenCall(env, refreshGrant(tokens.refresh_token), oldHost)).status).toBe(404);
    expect((await api("GET", "/api/v4/account", undefined, oldHost)).status).toBe(401);

    const lookup = await fetch(`${env.url}/oauth2/account/current/subdomain`, {
      headers: { "x-refresh-token": tokens.refresh_token, "x-forwarded-host": "api-b.amocrm.ru" },
    });
    expect(lookup.status).toBe(200);
    expect(await lookup.json()).toEqual({ id: info.id, subdomain: `moved-${info.id}`, domain: `moved-${info.id}.amocrm.ru`, top_level_domain: "ru" });

    const retried = await tokenCall(env, refreshGrant(tokens.refresh_token), { "x-forwarded-host": moved.domain });
    expect(retried.status).toBe(200);
    const fresh = (await retried.json()) as TokenResponse;
    expect((await apiFor(env, fresh.access_token)("GET", "/api/v4/account", undefined, { "x-forwarded-host": moved.domain })).status).toBe(200);
  });

  it("accepts calls that do not name a domain in X-Forwarded-Host", async () => {
    const { info, api } = await install(env);
    await env.control.move(info.id, `elsewhere-${info.id}`);
    expect((await api("GET", "/api/v4/account")).status).toBe(200);
  });
});

describe("amoCRM simulator: API v4 envelopes and metadata", () => {
  it("answers 401 problem+json to a call without a token", async () => {
    const res = await fetch(`${env.url}/api/v4/account`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 401, title: "Unauthorized" });
  });

  it("describes the account with current_user_id and, on request, task_types", async () => {
    const { info, api } = await install(env);
    const res = await api("GET", "/api/v4/account?with=task_types,users_groups");
    expect(res.headers.get("content-type")).toContain("application/hal+json");
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ id: info.id, subdomain: info.subdomain, country: "RU", currency: "RUB", current_user_id: info.admin_user_id });
    expect(body._embedded.task_types.map((t: { id: number }) => t.id)).toEqual(expect.arrayContaining([1, 2]));
    expect(body._embedded.users_groups).toHaveLength(1);
  });

  it("lists an admin and two managers with rights.is_admin and _page_count", async () => {
    const { api } = await install(env);
    const body = (await (await api("GET", "/api/v4/users")).json()) as Record<string, any>;
    expect(body._page_count).toBe(1);
    const users = body._embedded.users as Array<{ rights: { is_admin: boolean }; email: string }>;
    expect(users.map((u) => u.rights.is_admin)).toEqual([true, false, false]);
    expect(users.every((u) => u.email.includes("@"))).toBe(true);
  });

  it("shows a user's changed admin right and deactivation in /api/v4/users/{id}", async () => {
    const { api, info } = await install(env);
    const manager = info.users.find((u) => !u.is_admin)!;
    await env.control.setUserRights(info.id, info.admin_user_id, { is_admin: false });
    await env.control.setUserRights(info.id, manager.id, { is_active: false });
    const admin = (await (await api("GET", `/api/v4/users/${info.admin_user_id}`)).json()) as { rights: { is_admin: boolean; is_active: boolean } };
    expect(admin.rights).toMatchObject({ is_admin: false, is_active: true });
    const gone = (await (await api("GET", `/api/v4/users/${manager.id}`)).json()) as { rights: { is_active: boolean } };
    expect(gone.rights.is_active).toBe(false);
  });

  it("seeds two pipelines, each with the system statuses 142 and 143", async () => {
    const { api } = await install(env);
    const body = (await (await api("GET", "/api/v4/leads/pipelines")).json()) as Record<string, any>;
    const pipelines = body._embedded.pipelines as Array<{ id: number; is_main: boolean; _embedded: { statuses: Array<{ id: number }> } }>;
    expect(pipelines).toHaveLength(2);
    expect(pipelines.filter((p) => p.is_main)).toHaveLength(1);
    for (const p of pipelines) expect(p._embedded.statuses.map((s) => s.id)).toEqual(expect.arrayContaining([142, 143]));
    const statuses = (await (await api("GET", `/api/v4/leads/pipelines/${pipelines[1]!.id}/statuses`)).json()) as Record<string, any>;
    expect(statuses._embedded.statuses.length).toBe(pipelines[1]!._embedded.statuses.length);
  });

  it("gives custom fields random, non-sequential ids that differ between accounts", async () => {
    const a = await install(env);
    const b = await install(env);
    const fieldsOf = async (api: Api) => {
      const body = (await (await api("GET", "/api/v4/contacts/custom_fields")).json()) as Record<string, any>;
      expect(body._page_count).toBe(1);
      return body._embedded.custom_fields as Array<{ id: number; code: string | null; type: string; enums: Array<{ value: string }> | null }>;
    };
    const fa = await fieldsOf(a.api);
    const fb = await fieldsOf(b.api);
    const ids = fa.map((f) => f.id);
    expect(ids.every((id) => id >= 100_000 && id <= 9_999_999)).toBe(true);
    const steps = ids.slice(1).map((id, i) => id - ids[i]!);
    expect(steps.some((s) => s !== steps[0])).toBe(true);
    expect(steps.every((s) => Math.abs(s) === 1)).toBe(false);
    expect(fb.some((f) => ids.includes(f.id))).toBe(false);

    const phone = fa.find((f) => f.code === "PHONE")!;
    expect(phone.type).toBe("multitext");
    expect(phone.enums!.map((e) => e.value)).toEqual(["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]);
    expect(fa.find((f) => f.code === "EMAIL")!.enums!.map((e) => e.value)).toEqual(["WORK", "PRIV", "OTHER"]);
    for (const type of ["text", "select", "multiselect", "date", "numeric"]) expect(fa.some((f) => f.type === type)).toBe(true);
  });

  it("answers 204 with an empty body for an empty contact search", async () => {
    const { api } = await install(env);
    const res = await api("GET", "/api/v4/contacts?query=nobody-has-this");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("pages lists as HAL with _links.next and refuses a limit above 250 with 400", async () => {
    const { api } = await install(env);
    const created = await api("POST", "/api/v4/contacts", Array.from({ length: 5 }, (_, i) => ({ name: `Paged ${i}` })));
    expect(created.status).toBe(200);

    const page1 = await api("GET", "/api/v4/contacts?limit=2");
    expect(page1.headers.get("content-type")).toContain("application/hal+json");
    const body1 = (await page1.json()) as Record<string, any>;
    expect(body1._page).toBe(1);
    expect(body1._embedded.contacts).toHaveLength(2);
    expect(body1._links.self.href).toContain("page=1");
    expect(body1._links.next.href).toContain("page=2");

    const page3 = (await (await api("GET", "/api/v4/contacts?limit=2&page=3")).json()) as Record<string, any>;
    expect(page3._embedded.contacts).toHaveLength(1);
    expect(page3._links.next).toBeUndefined();
    expect((await api("GET", "/api/v4/contacts?limit=2&page=4")).status).toBe(204);

    const tooMany = await api("GET", "/api/v4/contacts?limit=251");
    expect(tooMany.status).toBe(400);
    expect(tooMany.headers.get("content-type")).toContain("application/problem+json");
    expect((await api("GET", "/api/v4/contacts?limit=250")).status).toBe(200);
  });

  it("points _links at the domain the caller aimed at", async () => {
    const { info, api } = await install(env);
    const body = (await (await api("GET", "/api/v4/users", undefined, { "x-forwarded-host": info.domain })).json()) as Record<string, any>;
    expect(body._links.self.href.startsWith(`https://${info.domain}/api/v4/users`)).toBe(true);
  });
});

describe("amoCRM simulator: users, rights and groups", () => {
  it("answers /users/{id}?with=role,group with rights, status_rights, group_id and the embedded group", async () => {
    const info = await env.control.createAccount({
      groups: [{ id: 5, name: "Филиал" }],
      users: [
        { name: "Owner", is_admin: true },
        { name: "Group seller", group_id: 5, rights: { leads: { view: "G", edit: "M" }, contacts: { view: "A" } } },
      ],
    });
    const { code } = await env.control.issueCode(info.id);
    const tokens = (await (await tokenCall(env, codeGrant(code))).json()) as TokenResponse;
    const api = apiFor(env, tokens.access_token);
    const seller = info.users[1]!;
    const body = (await (await api("GET", `/api/v4/users/${seller.id}?with=role,group`)).json()) as Record<string, any>;
    expect(body.rights).toMatchObject({ is_admin: false, group_id: 5, role_id: null, status_rights: [] });
    expect(body.rights.leads).toMatchObject({ view: "G", edit: "M", add: "A" });
    expect(body.rights.contacts.view).toBe("A");
    expect(body._embedded.groups).toEqual([{ id: 5, name: "Филиал" }]);
    expect(body._embedded.roles).toEqual([]);
    const account = (await (await api("GET", "/api/v4/account?with=users_groups")).json()) as Record<string, any>;
    expect(account._embedded.users_groups.map((g: { id: number }) => g.id)).toEqual([0, 5]);
  });

  it("keeps an action within what it depends on and lets a test change rights, groups and status rights", async () => {
    const { info, api } = await install(env);
    const manager = info.users[1]!;
    const group = await env.control.addGroup(info.id, "Второй отдел");
    const pipeline = info.pipelines[0]!;
    const status = pipeline.statuses[1]!;
    await env.control.updateUser(info.id, manager.id, {
      group_id: group.id,
      rights: { leads: { view: "D", edit: "A" }, status_rights: [{ entity_type: "leads", pipeline_id: pipeline.id, status_id: status.id, rights: { view: "A", edit: "D", delete: "D" } }] },
    });
    const body = (await (await api("GET", `/api/v4/users/${manager.id}`)).json()) as Record<string, any>;
    expect(body.rights.leads.view).toBe("D");
    // edit ⊆ view in amoCRM.
    expect(body.rights.leads.edit).toBe("D");
    expect(body.rights.group_id).toBe(group.id);
    expect(body.rights.status_rights).toEqual([{ entity_type: "leads", pipeline_id: pipeline.id, status_id: status.id, rights: { view: "A", edit: "D", delete: "D" } }]);
    expect(body._embedded).toBeUndefined();
  });

  it("opens the users methods to administrators only, and can close them to the integration altogether", async () => {
    const { info, api } = await install(env);
    const manager = info.users[1]!;
    const asManager = apiFor(env, (await env.control.issueTokens(info.id, manager.id)).access_token);
    const refused = await asManager("GET", `/api/v4/users/${manager.id}`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect((await api("GET", "/api/v4/users")).status).toBe(200);
    await env.control.forbidUsersApi(info.id);
    const closed = await api("GET", `/api/v4/users/${manager.id}?with=role,group`);
    expect(closed.status).toBe(403);
    expect(await closed.json()).toMatchObject({ status: 403, title: "Forbidden" });
    await env.control.forbidUsersApi(info.id, false);
    expect((await api("GET", `/api/v4/users/${manager.id}`)).status).toBe(200);
  });
});

describe("amoCRM simulator: contacts and search", () => {
  it("searches `query` as plain text: +79991234567 misses a stored 89991234567, the last 10 digits find both", async () => {
    const { api } = await install(env);
    await api("POST", "/api/v4/contacts", [
      { name: "Eight", custom_fields_values: [phoneField("89991234567")] },
      { name: "Plus", custom_fields_values: [phoneField("+7 (999) 123-45-67")] },
      { name: "Plain", custom_fields_values: [phoneField("+79991234567")] },
    ]);
    const names = async (q: string) => {
      const res = await api("GET", `/api/v4/contacts?query=${encodeURIComponent(q)}`);
      if (res.status === 204) return [];
      return ((await res.json()) as Record<string, any>)._embedded.contacts.map((c: { name: string }) => c.name).sort();
    };
    expect(await names("+79991234567")).toEqual(["Plain"]);
    expect(await names("9991234567")).toEqual(["Eight", "Plain"]);
    expect(await names("eigh")).toEqual(["Eight"]);
  });

  it("sets PHONE and EMAIL by field_code with enum_code, and other fields by field_id with enum_id", async () => {
    const { info, api } = await install(env);
    const select = info.custom_fields.contacts.find((f) => f.type === "select")!;
    const res = await api("POST", "/api/v4/contacts", [
      {
        first_name: "Ivan",
        last_name: "Petrov",
        custom_fields_values: [
          phoneField("+79990001122", "MOB"),
          { field_code: "EMAIL", values: [{ value: "ivan@example.com", enum_code: "PRIV" }] },
          { field_id: select.id, values: [{ enum_id: select.enums![1]!.id }] },
        ],
      },
    ]);
    const id = ((await res.json()) as Record<string, any>)._embedded.contacts[0].id as number;
    const contact = (await (await api("GET", `/api/v4/contacts/${id}`)).json()) as Record<string, any>;
    expect(contact.name).toBe("Ivan Petrov");
    const byCode = Object.fromEntries(contact.custom_fields_values.map((f: any) => [f.field_code ?? f.field_id, f.values[0]]));
    expect(byCode.PHONE).toMatchObject({ value: "+79990001122", enum_code: "MOB" });
    expect(byCode.EMAIL).toMatchObject({ value: "ivan@example.com", enum_code: "PRIV" });
    expect(byCode[select.id]).toEqual({ value: select.enums![1]!.value, enum_id: select.enums![1]!.id });
  });

  it("refuses values for unknown field ids with a 400 validation error and writes nothing", async () => {
    const { info, api } = await install(env);
    const res = await api("POST", "/api/v4/contacts", [{ name: "ok" }, { name: "bad", custom_fields_values: [{ field_id: 1, values: [{ value: "x" }] }] }]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, any>;
    expect(body["validation-errors"]).toEqual([
      { request_id: "1", errors: [expect.objectContaining({ code: "NotSupportedChoice", path: "custom_fields_values.0.field_id" })] },
    ]);
    expect((await env.control.state(info.id)).contacts).toHaveLength(0);
  });

  it("updates by PATCH (batch and single), moving updated_at forward on every write", async () => {
    const { api } = await install(env);
    const id = ((await (await api("POST", "/api/v4/contacts", [{ name: "Before" }])).json()) as Record<string, any>)._embedded.contacts[0].id;
    const read = async () => (await (await api("GET", `/api/v4/contacts/${id}`)).json()) as Record<string, any>;
    const v0 = (await read()).updated_at as number;
    expect((await api("PATCH", "/api/v4/contacts", [{ id, name: "Middle" }])).status).toBe(200);
    const v1 = await read();
    expect(v1.name).toBe("Middle");
    expect(v1.updated_at).toBeGreaterThan(v0);
    expect((await api("PATCH", `/api/v4/contacts/${id}`, { custom_fields_values: [phoneField("123")] })).status).toBe(200);
    const v2 = await read();
    expect(v2.updated_at).toBeGreaterThan(v1.updated_at);
    expect(v2.custom_fields_values[0].values[0].value).toBe("123");

    const filtered = await api("GET", `/api/v4/contacts?filter[updated_at][from]=${v2.updated_at}&filter[id][]=${id}`);
    expect(filtered.status).toBe(200);
    expect((await api("GET", `/api/v4/contacts?filter[updated_at][from]=${v2.updated_at + 1}`)).status).toBe(204);
  });
});

describe("amoCRM simulator: leads", () => {
  it("checks that a status belongs to the pipeline and demands pipeline_id with 142/143", async () => {
    const { info, api } = await install(env);
    const [main, second] = info.pipelines;
    const working = second!.statuses.find((s) => s.type === 0 && s.id !== 142 && s.id !== 143)!;
    const errorsOf = async (res: Response) => ((await res.json()) as Record<string, any>)["validation-errors"][0].errors[0].path;

    const wrongPipeline = await api("POST", "/api/v4/leads", [{ name: "x", pipeline_id: main!.id, status_id: working.id }]);
    expect(wrongPipeline.status).toBe(400);
    expect(await errorsOf(wrongPipeline)).toBe("status_id");

    const wonWithout = await api("POST", "/api/v4/leads", [{ name: "x", status_id: 142 }]);
    expect(wonWithout.status).toBe(400);
    expect(await errorsOf(wonWithout)).toBe("pipeline_id");

    const unsorted = main!.statuses.find((s) => s.type === 1)!;
    expect((await api("POST", "/api/v4/leads", [{ name: "x", pipeline_id: main!.id, status_id: unsorted.id }])).status).toBe(400);

    const won = await api("POST", "/api/v4/leads", [{ name: "won", pipeline_id: second!.id, status_id: 142, price: 1000 }]);
    expect(won.status).toBe(200);
    const id = ((await won.json()) as Record<string, any>)._embedded.leads[0].id;
    const lead = (await (await api("GET", `/api/v4/leads/${id}`)).json()) as Record<string, any>;
    expect(lead).toMatchObject({ status_id: 142, pipeline_id: second!.id, price: 1000 });
    expect(lead.closed_at).toBeGreaterThan(0);
  });

  it("links contacts and tags on create and shows them with with=contacts", async () => {
    const { info, api } = await install(env);
    const contactId = ((await (await api("POST", "/api/v4/contacts", [{ name: "C" }])).json()) as Record<string, any>)._embedded.contacts[0].id;
    const res = await api("POST", "/api/v4/leads", [{ name: "L", _embedded: { contacts: [{ id: contactId }], tags: [{ name: "lptracker" }] } }]);
    const leadId = ((await res.json()) as Record<string, any>)._embedded.leads[0].id;
    const plain = (await (await api("GET", `/api/v4/leads/${leadId}`)).json()) as Record<string, any>;
    expect(plain._embedded.contacts).toBeUndefined();
    expect(plain._embedded.tags).toEqual([expect.objectContaining({ name: "lptracker" })]);
    const full = (await (await api("GET", `/api/v4/leads/${leadId}?with=contacts`)).json()) as Record<string, any>;
    expect(full._embedded.contacts).toEqual([expect.objectContaining({ id: contactId, is_main: true })]);
    const contact = (await (await api("GET", `/api/v4/contacts/${contactId}?with=leads`)).json()) as Record<string, any>;
    expect((await env.control.state(info.id)).leads[0]).toMatchObject({ contact_ids: [contactId], tags: ["lptracker"] });
    expect(contact._embedded.leads.map((l: { id: number }) => l.id)).toEqual([leadId]);
    expect((await api("POST", "/api/v4/leads", [{ name: "L", _embedded: { contacts: [{ id: 1 }] } }])).status).toBe(400);
  });

  it("filters leads by pipeline and by status pairs", async () => {
    const { info, api } = await install(env);
    const [main, second] = info.pipelines;
    await api("POST", "/api/v4/leads", [{ name: "a" }, { name: "b", pipeline_id: second!.id }, { name: "c", pipeline_id: second!.id, status_id: 143 }]);
    const names = async (qs: string) => {
      const res = await api("GET", `/api/v4/leads?${qs}`);
      return res.status === 204 ? [] : ((await res.json()) as Record<string, any>)._embedded.leads.map((l: { name: string }) => l.name);
    };
    expect(await names(`filter[pipeline_id]=${second!.id}`)).toEqual(["b", "c"]);
    expect(await names(`filter[statuses][0][pipeline_id]=${second!.id}&filter[statuses][0][status_id]=143`)).toEqual(["c"]);
    expect(await names(`filter[statuses][0][pipeline_id]=${main!.id}&filter[statuses][0][status_id]=143`)).toEqual([]);
    expect(await names("order[id]=desc")).toEqual(["c", "b", "a"]);
  });

  it("creates leads with their contact through /leads/complex and answers id, contact_id, request_id, merged", async () => {
    const { info, api } = await install(env);
    const existing = ((await (await api("POST", "/api/v4/contacts", [{ name: "Known" }])).json()) as Record<string, any>)._embedded.contacts[0].id;
    const res = await api("POST", "/api/v4/leads/complex", [
      { name: "New contact", _embedded: { contacts: [{ first_name: "Anna", custom_fields_values: [phoneField("+79995550000")] }] } },
      { name: "Known contact", request_id: "lpt-2", _embedded: { contacts: [{ id: existing }] } },
    ]);
    expect(res.status).toBe(200);
    const items = (await res.json()) as Array<{ id: number; contact_id: number; company_id: number | null; request_id: string[]; merged: boolean }>;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ request_id: ["0"], merged: false, company_id: null });
    expect(items[1]).toMatchObject({ contact_id: existing, request_id: ["lpt-2"] });
    const state = await env.control.state(info.id);
    expect(state.contacts).toHaveLength(2);
    expect(state.leads.find((l) => l.id === items[0]!.id)!.contact_ids).toEqual([items[0]!.contact_id]);
  });

  it("refuses more than 50 complex leads, two contacts per lead, or more than 40 field values", async () => {
    const { info, api } = await install(env);
    const tooMany = await api("POST", "/api/v4/leads/complex", Array.from({ length: 51 }, (_, i) => ({ name: `L${i}` })));
    expect(tooMany.status).toBe(400);
    expect((await api("POST", "/api/v4/leads/complex", Array.from({ length: 50 }, (_, i) => ({ name: `L${i}` })))).status).toBe(200);
    expect((await api("POST", "/api/v4/leads/complex", [{ name: "x", _embedded: { contacts: [{ name: "a" }, { name: "b" }] } }])).status).toBe(400);
    const text = info.custom_fields.leads.find((f) => f.type === "text")!;
    const fields = Array.from({ length: 41 }, () => ({ field_id: text.id, values: [{ value: "v" }] }));
    expect((await api("POST", "/api/v4/leads/complex", [{ name: "x", custom_fields_values: fields }])).status).toBe(400);
  });
});

describe("amoCRM simulator: notes, tasks and calls", () => {
  it("adds notes to an entity and answers 204 for an entity without notes", async () => {
    const { api } = await install(env);
    const leadId = ((await (await api("POST", "/api/v4/leads", [{ name: "n" }])).json()) as Record<string, any>)._embedded.leads[0].id;
    expect((await api("GET", `/api/v4/leads/${leadId}/notes`)).status).toBe(204);
    const add = await api("POST", `/api/v4/leads/${leadId}/notes`, [
      { note_type: "common", params: { text: "hello" } },
      { note_type: "call_in", params: { uniq: "u-1", duration: 30, source: "LPTracker", phone: "+79990000000", link: "https://rec.example/1.mp3" } },
      { note_type: "service_message", params: { service: "LPTracker", text: "stage changed" } },
    ]);
    expect(add.status).toBe(200);
    const list = (await (await api("GET", `/api/v4/leads/${leadId}/notes`)).json()) as Record<string, any>;
    expect(list._embedded.notes.map((n: { note_type: string }) => n.note_type)).toEqual(["common", "call_in", "service_message"]);
    expect((await api("POST", "/api/v4/leads/notes", [{ entity_id: leadId, note_type: "call_out", params: { text: "no uniq" } }])).status).toBe(400);
    expect((await api("POST", "/api/v4/leads/notes", [{ entity_id: leadId, note_type: "common", params: { text: "by entity_id" } }])).status).toBe(200);
    expect((await api("POST", "/api/v4/contacts/notes", [{ entity_id: leadId, note_type: "common", params: { text: "wrong entity" } }])).status).toBe(400);
  });

  it("creates tasks on an entity and lists them by entity", async () => {
    const { api } = await install(env);
    const leadId = ((await (await api("POST", "/api/v4/leads", [{ name: "t" }])).json()) as Record<string, any>)._embedded.leads[0].id;
    expect((await api("GET", `/api/v4/tasks?filter[entity_type]=leads&filter[entity_id][]=${leadId}`)).status).toBe(204);
    const res = await api("POST", "/api/v4/tasks", [{ text: "Call back", complete_till: 1_900_000_000, entity_id: leadId, entity_type: "leads", task_type_id: 1 }]);
    expect(res.status).toBe(200);
    const list = (await (await api("GET", `/api/v4/tasks?filter[entity_type]=leads&filter[entity_id][]=${leadId}`)).json()) as Record<string, any>;
    expect(list._embedded.tasks).toEqual([expect.objectContaining({ text: "Call back", entity_id: leadId, is_completed: false })]);
    expect((await api("POST", "/api/v4/tasks", [{ text: "x", complete_till: 1, task_type_id: 999 }])).status).toBe(400);
  });

  it("logs a call on the contact whose PHONE digits match and reports unmatched calls per item", async () => {
    const { info, api } = await install(env);
    const contactId = ((await (await api("POST", "/api/v4/contacts", [{ name: "Caller", custom_fields_values: [phoneField("8 (999) 777-66-55")] }])).json()) as Record<string, any>)
      ._embedded.contacts[0].id;
    const res = await api("POST", "/api/v4/calls", [
      { direction: "inbound", phone: "+79997776655", uniq: "call-1", duration: 42, source: "LPTracker", link: "https://rec.example/2.mp3", call_status: 4, call_result: "Talked" },
      { direction: "outbound", phone: "+70000000000", uniq: "call-2", duration: 0, source: "LPTracker", call_status: 6 },
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body._embedded.calls).toEqual([expect.objectContaining({ entity_id: contactId, entity_type: "contacts", request_id: "0" })]);
    expect(body._embedded.errors).toEqual([expect.objectContaining({ request_id: "1" })]);
    const state = await env.control.state(info.id);
    expect(state.calls).toHaveLength(1);
    expect(state.notes).toEqual([expect.objectContaining({ entity_id: contactId, note_type: "call_in", params: expect.objectContaining({ uniq: "call-1", duration: 42 }) })]);
    expect((await api("POST", "/api/v4/calls", [{ direction: "sideways", phone: "1", duration: 1, source: "x" }])).status).toBe(400);
    expect((await api("POST", "/api/v4/calls", [{ direction: "inbound", phone: "1", duration: 1, source: "x", call_status: 9 }])).status).toBe(400);
  });
});

describe("amoCRM simulator: outgoing webhooks", () => {
  async function subscribed(events: string[]) {
    const installed = await install(env);
    const destination = `https://worker.example/hooks/amocrm/${installed.info.id}`;
    const res = await installed.api("POST", "/api/v4/webhooks", { destination, settings: events });
    expect(res.ok).toBe(true);
    return { ...installed, destination };
  }

  it("registers, lists and removes webhooks", async () => {
    const { api, destination } = await subscribed(["add_lead"]);
    const list = (await (await api("GET", "/api/v4/webhooks")).json()) as Record<string, any>;
    expect(list._embedded.webhooks).toEqual([expect.objectContaining({ destination, settings: ["add_lead"], disabled: false })]);
    expect((await api("POST", "/api/v4/webhooks", { destination, settings: ["no_such_event"] })).status).toBe(400);
    expect((await api("DELETE", "/api/v4/webhooks", { destination })).status).toBe(204);
    expect((await api("GET", "/api/v4/webhooks")).status).toBe(204);
  });

  it("posts status_lead form-encoded with PHP-style nested keys when a user moves a lead", async () => {
    const { info, api, destination } = await subscribed(["status_lead"]);
    const leadId = ((await (await api("POST", "/api/v4/leads", [{ name: "Moved", price: 500 }])).json()) as Record<string, any>)._embedded.leads[0].id;
    expect(await env.control.takeOutbox({ accountId: info.id })).toEqual([]);

    const main = info.pipelines[0]!;
    const from = main.statuses.find((s) => s.type === 0)!.id;
    const to = main.statuses.filter((s) => s.type === 0)[1]!.id;
    const manager = info.users[1]!.id;
    await env.control.moveLeadStatus(info.id, leadId, { status_id: to, user_id: manager });

    const [hook, ...rest] = await env.control.takeOutbox({ accountId: info.id });
    expect(rest).toEqual([]);
    expect(hook!.url).toBe(destination);
    expect(hook!.method).toBe("POST");
    expect(hook!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(hook!.body).toContain("leads%5Bstatus%5D%5B0%5D%5Bid%5D=");
    const form = new URLSearchParams(hook!.body);
    expect(form.get("leads[status][0][id]")).toBe(String(leadId));
    expect(form.get("leads[status][0][status_id]")).toBe(String(to));
    expect(form.get("leads[status][0][old_status_id]")).toBe(String(from));
    expect(form.get("leads[status][0][pipeline_id]")).toBe(String(main.id));
    expect(form.get("leads[status][0][old_pipeline_id]")).toBe(String(main.id));
    expect(form.get("leads[status][0][modified_user_id]")).toBe(String(manager));
    expect(Number(form.get("leads[status][0][updated_at]"))).toBeGreaterThan(0);
    expect(form.get("account[id]")).toBe(String(info.id));
    expect(form.get("account[subdomain]")).toBe(info.subdomain);
  });

  it("marks API writes with modified_user_id 0 so a receiver can spot its own echo", async () => {
    const { info, api } = await subscribed(["add_lead", "update_lead", "status_lead"]);
    const text = info.custom_fields.leads.find((f) => f.type === "text")!;
    const leadId = ((await (await api("POST", "/api/v4/leads", [{ name: "Echo" }])).json()) as Record<string, any>)._embedded.leads[0].id;
    await api("PATCH", `/api/v4/leads/${leadId}`, { status_id: 142, pipeline_id: info.pipelines[0]!.id, custom_fields_values: [{ field_id: text.id, values: [{ value: "lpt-1" }] }] });
    const hooks = await env.control.takeOutbox({ accountId: info.id });
    expect(hooks).toHaveLength(2);
    const add = new URLSearchParams(hooks[0]!.body);
    expect(add.get("leads[add][0][modified_user_id]")).toBe("0");
    const change = new URLSearchParams(hooks[1]!.body);
    expect(change.get("leads[update][0][modified_user_id]")).toBe("0");
    expect(change.get("leads[update][0][custom_fields][0][id]")).toBe(String(text.id));
    expect(change.get("leads[update][0][custom_fields][0][values][0][value]")).toBe("lpt-1");
    expect(change.get("leads[status][0][status_id]")).toBe("142");
  });

  it("fires add_contact and update_contact", async () => {
    const { info, api } = await subscribed(["add_contact", "update_contact"]);
    const id = ((await (await api("POST", "/api/v4/contacts", [{ name: "Hooked" }])).json()) as Record<string, any>)._embedded.contacts[0].id;
    await api("PATCH", `/api/v4/contacts/${id}`, { name: "Hooked 2" });
    const forms = (await env.control.takeOutbox({ accountId: info.id })).map((h) => new URLSearchParams(h.body));
    expect(forms.map((f) => f.get("contacts[add][0][name]") ?? f.get("contacts[update][0][name]"))).toEqual(["Hooked", "Hooked 2"]);
  });

  it("loses exactly the next N webhooks when told to drop them", async () => {
    const { info, api } = await subscribed(["add_lead"]);
    await env.control.dropWebhooks(info.id, 2);
    for (const name of ["one", "two", "three"]) await api("POST", "/api/v4/leads", [{ name }]);
    const hooks = await env.control.takeOutbox({ accountId: info.id });
    expect(hooks.map((h) => new URLSearchParams(h.body).get("leads[add][0][name]"))).toEqual(["three"]);
    const state = await env.control.state(info.id);
    expect(state.outgoing.dropped).toHaveLength(2);
    expect(state.outgoing.drops_left).toBe(0);
  });

  it("POSTs hooks at once in http mode", async () => {
    const received: Array<{ method: string; type: string | null; body: string }> = [];
    const receiver = await serve(async (request) => {
      received.push({ method: request.method, type: request.headers.get("content-type"), body: await request.text() });
      return new Response("ok");
    });
    servers.push(receiver);
    const live = await start({ webhookMode: "http", rateLimitPerSecond: 1000 });
    const { info, api } = await install(live);
    await api("POST", "/api/v4/webhooks", { destination: `${receiver.url}/hook`, settings: ["add_lead"] });
    await api("POST", "/api/v4/leads", [{ name: "Live" }]);
    for (let i = 0; i < 50 && received.length === 0; i++) await sleep(20);
    expect(received).toHaveLength(1);
    expect(received[0]!.type).toBe("application/x-www-form-urlencoded");
    expect(new URLSearchParams(received[0]!.body).get("leads[add][0][name]")).toBe("Live");
    expect((await live.control.state(info.id)).outgoing.sent[0]!.delivered).toMatchObject({ status: 200 });
  });
});

describe("amoCRM simulator: disconnect hook", () => {
  const expected = (accountId: number) => createHmac("sha256", CLIENT.clientSecret).update(`${CLIENT.clientId}|${accountId}`).digest("hex");

  it("signs hex HMAC-SHA256(client_secret, client_uuid|account_id) in the query, JSON and form variants", async () => {
    const info = await env.control.createAccount();
    const url = "https://worker.example/amocrm/disconnect";

    const query = await env.control.disconnect(info.id, url, "query", false);
    expect(query.method).toBe("GET");
    const params = new URL(query.url).searchParams;
    expect(params.get("account_id")).toBe(String(info.id));
    expect(params.get("client_uuid")).toBe(CLIENT.clientId);
    expect(params.get("signature")).toBe(expected(info.id));

    const json = await env.control.disconnect(info.id, url, "json", false);
    expect(json.method).toBe("POST");
    expect(json.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(json.body)).toEqual({ account_id: info.id, client_uuid: CLIENT.clientId, signature: expected(info.id) });

    const form = await env.control.disconnect(info.id, url, "form", false);
    expect(form.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(form.body))).toEqual({ account_id: String(info.id), client_uuid: CLIENT.clientId, signature: expected(info.id) });

    expect(await env.control.takeOutbox({ accountId: info.id })).toHaveLength(3);
  });

  it("revokes the account's tokens when the user disables the integration", async () => {
    const { info, api } = await install(env);
    await env.control.disconnect(info.id, "https://worker.example/amocrm/disconnect", "json");
    expect((await api("GET", "/api/v4/account")).status).toBe(401);
  });

  it("delivers the GET variant in http mode", async () => {
    const seen: string[] = [];
    const receiver = await serve(async (request) => {
      seen.push(`${request.method} ${request.url}`);
      return new Response("ok");
    });
    servers.push(receiver);
    const live = await start({ webhookMode: "http" });
    const info = await live.control.createAccount();
    await live.control.disconnect(info.id, `${receiver.url}/off`, "query");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(`GET ${receiver.url}/off?account_id=${info.id}`);
  });
});

describe("amoCRM simulator: rate limit and blocking", () => {
  it("answers the 8th call within one second with 429 and records the peak", async () => {
    const limited = await start();
    const { info, api } = await install(limited);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => api("GET", "/api/v4/account").then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const state = await limited.control.state(info.id);
    expect(state.rate).toMatchObject({ limit_per_second: 7, peak: 10, accepted_peak: 7, too_many_requests: 3 });
    expect(state.requests["GET /api/v4/account"]).toBe(10);
  });

  it("answers 429 as problem+json and keeps accounts' budgets apart", async () => {
    const limited = await start();
    const a = await install(limited);
    const b = await install(limited);
    const results = await Promise.all(Array.from({ length: 8 }, () => a.api("GET", "/api/v4/users")));
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await refused.json()).toMatchObject({ status: 429 });
    expect((await b.api("GET", "/api/v4/users")).status).toBe(200);
  });

  it("turns repeated 429s into a 403 HTML block for blockMs", async () => {
    let clock = Date.UTC(2025, 0, 1);
    const strict = await start({ now: () => clock, blockAfter429s: 3, blockMs: 5_000 });
    const { info, api } = await install(strict);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await api("GET", "/api/v4/account")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429, 429, 429, 403, 403]);
    const blocked = await api("GET", "/api/v4/account");
    expect(blocked.headers.get("content-type")).toContain("text/html");
    expect(await blocked.text()).toContain("<h1>403 Forbidden</h1>");
    clock += 5_001;
    expect((await api("GET", "/api/v4/account")).status).toBe(200);
    expect((await strict.control.state(info.id)).rate.forbidden).toBe(3);
  });
});

describe("amoCRM simulator: default blocking", () => {
  it("blocks an account that keeps calling through 429s even without options", async () => {
    let clock = Date.UTC(2025, 0, 1);
    const sim = await start({ now: () => clock });
    const { api } = await install(sim);
    const statuses: number[] = [];
    for (let i = 0; i < 7 + DEFAULT_BLOCK_AFTER_429S + 1; i++) statuses.push((await api("GET", "/api/v4/account")).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(DEFAULT_BLOCK_AFTER_429S);
    expect(statuses.at(-1)).toBe(403);
    clock += 60_001;
    expect((await api("GET", "/api/v4/account")).status).toBe(200);
  });
});

describe("amoCRM simulator: fault injection", () => {
  it("injects the same fault sequence for the same seed", async () => {
    const { info, api } = await install(env);
    const plan = { rate: 0.5, kinds: ["429", "500", "503"] as Array<"429" | "500" | "503">, seed: 42 };
    const run = async () => {
      await env.control.setFaults(info.id, plan);
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await api("GET", "/api/v4/account")).status);
      return out;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
    const state = await env.control.state(info.id);
    expect(Object.values(state.faults.injected).reduce((a, b) => a + b, 0)).toBe(first.filter((s) => s !== 200).length);
    await env.control.setFaults(info.id, null);
    expect((await api("GET", "/api/v4/account")).status).toBe(200);
  });

  it("answers status faults as problem+json and a timeout fault with 504 after timeoutMs", async () => {
    const { info, api } = await install(env);
    await env.control.setFaults(info.id, { rate: 0, kinds: ["502"], seed: 1, burst: 1 });
    const bad = await api("GET", "/api/v4/account");
    expect(bad.status).toBe(502);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    await env.control.setFaults(info.id, { rate: 0, kinds: ["timeout"], seed: 1, burst: 1, timeoutMs: 50 });
    const started = Date.now();
    expect((await api("GET", "/api/v4/account")).status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("drops the TCP connection on a reset fault", async () => {
    const { info, api, tokens } = await install(env);
    await env.control.setFaults(info.id, { rate: 0, kinds: ["reset"], seed: 1, burst: 2 });
    await expect(api("GET", "/api/v4/account")).rejects.toThrow();
    const direct = env.sim.handle(new Request("http://sim/api/v4/account", { headers: { authorization: `Bearer ${tokens.access_token}` } }));
    await expect(direct).rejects.toBeInstanceOf(SimConnectionReset);
    expect((await api("GET", "/api/v4/account")).status).toBe(200);
  });

  it("leaves OAuth alone unless the plan names its path", async () => {
    const { info, tokens } = await install(env);
    await env.control.setFaults(info.id, { rate: 1, kinds: ["500"], seed: 1 });
    const ok = await tokenCall(env, refreshGrant(tokens.refresh_token));
    expect(ok.status).toBe(200);
    const fresh = (await ok.json()) as TokenResponse;
    await env.control.setFaults(info.id, { rate: 0, kinds: ["503"], seed: 1, burst: 1, paths: ["/oauth2/"] });
    expect((await tokenCall(env, refreshGrant(fresh.refresh_token))).status).toBe(503);
    expect((await tokenCall(env, refreshGrant(fresh.refresh_token))).status).toBe(200);
  });
});

describe("amoCRM simulator: account isolation", () => {
  it("does not let the token of account A read or write account B", async () => {
    const a = await install(env);
    const b = await install(env);
    const bLead = ((await (await b.api("POST", "/api/v4/leads", [{ name: "B only" }])).json()) as Record<string, any>)._embedded.leads[0].id;
    const bContact = ((await (await b.api("POST", "/api/v4/contacts", [{ name: "B contact" }])).json()) as Record<string, any>)._embedded.contacts[0].id;

    expect((await a.api("GET", `/api/v4/leads/${bLead}`)).status).toBe(204);
    expect((await a.api("GET", "/api/v4/leads")).status).toBe(204);
    expect((await a.api("GET", "/api/v4/contacts?query=B%20contact")).status).toBe(204);
    expect((await a.api("PATCH", `/api/v4/leads/${bLead}`, { name: "hijacked" })).status).toBe(404);
    expect((await a.api("POST", "/api/v4/leads", [{ name: "x", _embedded: { contacts: [{ id: bContact }] } }])).status).toBe(400);
    const bStatus = b.info.pipelines[0]!.statuses.find((s) => s.type === 0)!.id;
    expect((await a.api("POST", "/api/v4/leads", [{ name: "x", status_id: bStatus }])).status).toBe(400);

    const state = await env.control.state(b.info.id);
    expect(state.leads.map((l) => l.name)).toEqual(["B only"]);
    expect((await env.control.state(a.info.id)).requests["GET /api/v4/leads/{id}"]).toBe(1);
    expect(state.requests["GET /api/v4/leads/{id}"]).toBeUndefined();
  });

  it("reports a deleted custom field as gone: not listed, and writes to it fail", async () => {
    const { info, api } = await install(env);
    const field = info.custom_fields.leads.find((f) => f.type === "numeric")!;
    await env.control.deleteCustomField(info.id, "leads", field.id);
    const list = (await (await api("GET", "/api/v4/leads/custom_fields?limit=250")).json()) as Record<string, any>;
    expect(list._embedded.custom_fields.some((f: { id: number }) => f.id === field.id)).toBe(false);
    const res = await api("POST", "/api/v4/leads", [{ name: "x", custom_fields_values: [{ field_id: field.id, values: [{ value: 5 }] }] }]);
    expect(res.status).toBe(400);
  });
});

describe("amoCRM simulator: direct handle() and control API", () => {
  it("serves the same API through handle() without a server", async () => {
    const sim = createAmoCrmSim(CLIENT);
    const info = sim.createAccount({ subdomain: "direct" });
    const code = await (await sim.handle(new Request(`http://sim/__sim/accounts/${info.id}/codes`, { method: "POST" }))).json();
    const res = await sim.handle(
      new Request("http://sim/oauth2/access_token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(codeGrant((code as { code: string }).code)) }),
    );
    const tokens = (await res.json()) as TokenResponse;
    const account = await sim.handle(new Request("http://sim/api/v4/account", { headers: { authorization: `Bearer ${tokens.access_token}` } }));
    expect(((await account.json()) as { subdomain: string }).subdomain).toBe("direct");
    expect(sim.state(info.id).requests).toEqual({ "POST /oauth2/access_token": 1, "GET /api/v4/account": 1 });
    expect(() => sim.createAccount({ subdomain: "direct" })).toThrow(/taken/);
  });

  it("refuses a duplicate subdomain, answers 404 for unknown accounts, and forgets everything on reset", async () => {
    const own = await start();
    const info = await own.control.createAccount({ subdomain: "dup", id: 77_000_001, users: [{ name: "Owner", is_admin: true }] });
    expect(info).toMatchObject({ id: 77_000_001, subdomain: "dup", domain: "dup.amocrm.ru" });
    expect(info.users).toHaveLength(1);
    await expect(own.control.createAccount({ subdomain: "dup" })).rejects.toMatchObject({ status: 409 });
    await expect(own.control.state(1)).rejects.toMatchObject({ status: 404 });
    await own.control.reset();
    await expect(own.control.state(info.id)).rejects.toMatchObject({ status: 404 });
  });

  it("lets a simulated user create and edit leads, firing webhooks with that user's id", async () => {
    const { info, api } = await install(env);
    await api("POST", "/api/v4/webhooks", { destination: "https://worker.example/h", settings: ["add_lead", "update_lead"] });
    const lead = await env.control.createLead(info.id, { name: "From UI", user_id: info.users[2]!.id });
    await env.control.updateLead(info.id, lead.id, { price: 10 });
    const forms = (await env.control.takeOutbox({ accountId: info.id })).map((h) => new URLSearchParams(h.body));
    expect(forms[0]!.get("leads[add][0][modified_user_id]")).toBe(String(info.users[2]!.id));
    expect(forms[1]!.get("leads[update][0][price]")).toBe("10");
    expect(forms[1]!.get("leads[update][0][modified_user_id]")).toBe(String(info.admin_user_id));
  });
});

describe("amoCRM simulator: Digital Pipeline widget actions", () => {
  it("keeps actions per status and, when a user moves a lead there, posts the unsigned form-encoded DP hook after the account webhooks", async () => {
    const { info, api } = await install(env);
    await api("POST", "/api/v4/webhooks", { destination: "https://worker.example/h", settings: ["status_lead"] });
    const pipeline = info.pipelines[0]!;
    const [first, second] = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && (s as { type?: number }).type !== 1);
    const lead = await env.control.createLead(info.id, { name: "DP", pipeline_id: pipeline.id, status_id: first!.id } as never);
    await env.control.takeOutbox({ accountId: info.id });
    await expect(env.control.saveDpAction(info.id, { pipeline_id: pipeline.id, status_id: 999, widget_code: "w", webhook_url: "https://worker.example/dp", settings: {} })).rejects.toMatchObject({ status: 400 });
    const action = await env.control.saveDpAction(info.id, { pipeline_id: pipeline.id, status_id: second!.id, widget_code: "w", webhook_url: "https://worker.example/dp", settings: { action: "comment", key: "k1" } });
    expect((await env.control.dpActions(info.id)).actions).toEqual([action]);

    const moved = await env.control.moveLeadWithDp(info.id, { lead_id: lead.id, status_id: second!.id });
    expect(moved.lead.status_id).toBe(second!.id);
    const hooks = await env.control.takeOutbox({ accountId: info.id });
    expect(hooks.map((h) => h.url)).toEqual(["https://worker.example/h", "https://worker.example/dp"]);
    const dp = hooks[1]!;
    expect(dp.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.keys(dp.headers)).not.toContain("x-signature");
    const form = new URLSearchParams(dp.body);
    expect(form.get("event[type]")).toBe("14");
    expect(form.get("event[data][id]")).toBe(String(lead.id));
    expect(form.get("event[data][element_type]")).toBe("2");
    expect(form.get("event[data][status_id]")).toBe(String(second!.id));
    expect(form.get("event[data][pipeline_id]")).toBe(String(pipeline.id));
    expect(form.get("action[settings][widget][settings][action]")).toBe("comment");
    expect(form.get("action[settings][widget][settings][key]")).toBe("k1");
    expect(form.get("account_id")).toBe(String(info.id));
    expect(form.get("subdomain")).toBe(info.subdomain);

    // JSON on request; moving into a status without actions posts no DP hook.
    const json = await env.control.moveLeadWithDp(info.id, { lead_id: lead.id, status_id: first!.id, format: "json" });
    expect(json.dp_hooks).toEqual([]);
    const again = await env.control.moveLeadWithDp(info.id, { lead_id: lead.id, status_id: second!.id, format: "json" });
    expect(JSON.parse(again.dp_hooks[0]!.body)).toMatchObject({ event: { data: { id: String(lead.id) } }, account_id: String(info.id) });
  });
});
