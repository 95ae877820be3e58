// amoCRM's OAuth server: code exchange and refresh at /oauth2/access_token (single-use codes and
// refresh tokens, league/oauth2-server style errors) and the domain lookup by refresh token.
import { countRequest, hostMatches, oauthFault } from "./gate";
import { isRecord, json, PROBLEM_JSON, readBody, ProblemError } from "./http";
import { base64url, type JwtSigner } from "./jwt";
import { API_DOMAIN, BASE_DOMAIN, domainOf, randomToken, type Account, type Store } from "./store";
import type { IssuedCode, TokenResponse } from "./types";

const CODE_TTL_MS = 20 * 60 * 1000;
const REFRESH_TTL_MS = 90 * 24 * 3600 * 1000;
const SCOPES = ["push_notifications", "files", "crm", "files_delete", "notifications"];

const OAUTH_TITLES: Record<number, string> = { 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed" };

function oauthError(status: number, hint: string, detail: string): Response {
  const title = OAUTH_TITLES[status] ?? "Bad Request";
  return json({ hint, title, type: `https://httpstatus.es/${status}`, status, detail }, status, PROBLEM_JSON);
}

export function issueCode(store: Store, account: Account, userId: number): IssuedCode {
  const code = `def50200${randomToken(96)}`;
  const expiresAt = store.opts.now() + CODE_TTL_MS;
  store.codes.set(code, { accountId: account.id, userId, byAdmin: isAdmin(account, userId), expiresAt, used: false });
  return { code, expires_at: Math.floor(expiresAt / 1000), referer: domainOf(account), client_id: store.opts.clientId };
}

function isAdmin(account: Account, userId: number): boolean {
  return account.users.some((u) => u.id === userId && u.is_admin);
}

/** `byAdmin` is the grant's, fixed when the user gave access (a refresh keeps it). */
export async function issueTokens(store: Store, signer: JwtSigner, account: Account, userId: number, byAdmin = isAdmin(account, userId)): Promise<TokenResponse> {
  const nowMs = store.opts.now();
  const iat = Math.floor(nowMs / 1000);
  const ttl = store.opts.accessTokenTtlSec;
  const accessToken = await signer.sign({
    aud: store.opts.clientId,
    jti: crypto.randomUUID(),
    iat,
    nbf: iat,
    exp: iat + ttl,
    sub: String(userId),
    grant_type: "",
    account_id: account.id,
    base_domain: BASE_DOMAIN,
    version: 2,
    scopes: SCOPES,
    hash_uuid: crypto.randomUUID(),
    api_domain: API_DOMAIN,
  });
  const refreshToken = `def50200${base64url(crypto.getRandomValues(new Uint8Array(256)))}`;
  store.accessTokens.set(accessToken, { accountId: account.id, userId, byAdmin, expiresAt: nowMs + ttl * 1000, diesAt: null });
  store.refreshTokens.set(refreshToken, {
    accountId: account.id,
    userId,
    byAdmin,
    accessToken,
    expiresAt: nowMs + REFRESH_TTL_MS,
    used: false,
    revoked: false,
  });
  account.tokensRevoked = false;
  return { token_type: "Bearer", expires_in: ttl, access_token: accessToken, refresh_token: refreshToken, server_time: iat };
}

/** A user revoking access (or uninstalling): every token of the account stops working at once. */
export function revokeTokens(store: Store, account: Account): void {
  const now = store.opts.now();
  for (const rec of store.accessTokens.values()) if (rec.accountId === account.id) rec.diesAt = Math.min(rec.diesAt ?? now, now);
  for (const rec of store.refreshTokens.values()) if (rec.accountId === account.id) rec.revoked = true;
  // A code handed out before the access was withdrawn grants nothing any more: a new grant needs a new code.
  for (const rec of store.codes.values()) if (rec.accountId === account.id) rec.used = true;
  account.tokensRevoked = true;
}

/** Makes the account's live access tokens expired, so the caller must refresh. */
export function expireAccessTokens(store: Store, account: Account): number {
  const now = store.opts.now();
  let n = 0;
  for (const rec of store.accessTokens.values()) {
    if (rec.accountId === account.id && rec.expiresAt > now) {
      rec.expiresAt = now;
      n++;
    }
  }
  return n;
}

function clientProblem(store: Store, body: Record<string, unknown>): Response | null {
  if (body.client_id !== store.opts.clientId || body.client_secret !== store.opts.clientSecret) {
    return oauthError(401, "Client authentication failed", "Unknown client_id or wrong client_secret");
  }
  if (body.redirect_uri !== store.opts.redirectUri) {
    return oauthError(400, "Invalid redirect URI", "redirect_uri does not match the integration's Redirect URI");
  }
  return null;
}

/** Both grants, once the code or token names an account: counted, injected faults, the account's domain, the client. */
async function grantRefusal(store: Store, request: Request, account: Account, body: Record<string, unknown>): Promise<Response | null> {
  countRequest(account, "POST", "/oauth2/access_token");
  const fault = await oauthFault(account, "/oauth2/access_token");
  if (fault) return fault;
  // A moved account is not at the old domain any more; a refresh token stays usable at the new one.
  if (!hostMatches(account, request)) return oauthError(404, "Account not found", "No account at this domain");
  return clientProblem(store, body);
}

async function exchangeCode(store: Store, signer: JwtSigner, request: Request, body: Record<string, unknown>): Promise<Response> {
  const record = store.codes.get(String(body.code ?? ""));
  const account = record && store.accounts.get(record.accountId);
  if (!record || !account) return oauthError(400, "Cannot decrypt the authorization code", "Authorization code is invalid");
  account.stats.codeExchanges++;
  const refused = await grantRefusal(store, request, account, body);
  if (refused) return refused;
  if (record.used) return oauthError(400, "Authorization code has been revoked", "Authorization code was already used");
  if (record.expiresAt <= store.opts.now()) return oauthError(400, "Authorization code has expired", "Authorization code has expired");
  record.used = true;
  return json(await issueTokens(store, signer, account, record.userId, record.byAdmin));
}

async function refresh(store: Store, signer: JwtSigner, request: Request, body: Record<string, unknown>): Promise<Response> {
  const record = store.refreshTokens.get(String(body.refresh_token ?? ""));
  const account = record && store.accounts.get(record.accountId);
  if (!record || !account) return oauthError(401, "Cannot decrypt the refresh token", "Refresh token is invalid");
  account.stats.refreshCalls++;
  const refused = await grantRefusal(store, request, account, body);
  if (refused) return refused;
  if (record.used || record.revoked) return oauthError(401, "Token has been revoked", "Refresh token has been revoked");
  const now = store.opts.now();
  if (record.expiresAt <= now) return oauthError(401, "Token has expired", "Refresh token has expired");
  record.used = true;
  // Requests already in flight with the old access token keep working for a short grace.
  const old = store.accessTokens.get(record.accessToken);
  if (old && (old.diesAt === null || old.diesAt > now)) old.diesAt = now + store.opts.refreshGraceSec * 1000;
  const tokens = await issueTokens(store, signer, account, record.userId, record.byAdmin);
  account.stats.refreshSucceeded++;
  return json(tokens);
}

async function currentSubdomain(store: Store, request: Request): Promise<Response> {
  const token = request.headers.get("x-refresh-token") ?? "";
  const record = store.refreshTokens.get(token);
  const account = record && store.accounts.get(record.accountId);
  if (!record || !account) return oauthError(401, "Cannot decrypt the refresh token", "Refresh token is invalid");
  countRequest(account, "GET", "/oauth2/account/current/subdomain");
  const fault = await oauthFault(account, "/oauth2/account/current/subdomain");
  if (fault) return fault;
  if (record.used || record.revoked) return oauthError(401, "Token has been revoked", "Refresh token has been revoked");
  return json({ id: account.id, subdomain: account.subdomain, domain: domainOf(account), top_level_domain: "ru" });
}

/** Answers OAuth paths, or null when the path is not one of them. */
export async function handleOAuth(store: Store, signer: JwtSigner, request: Request, path: string): Promise<Response | null> {
  if (path === "/oauth2/account/current/subdomain") {
    if (request.method !== "GET") return oauthError(405, "Method not allowed", "Use GET");
    return currentSubdomain(store, request);
  }
  if (path !== "/oauth2/access_token") return null;
  if (request.method !== "POST") return oauthError(405, "Method not allowed", "Use POST");
  let body: unknown;
  try {
    body = await readBody(request);
  } catch (err) {
    if (err instanceof ProblemError) return oauthError(400, "Malformed body", err.detail);
    throw err;
  }
  if (!isRecord(body)) return oauthError(400, "Check the `grant_type` parameter", "Body must be a JSON object");
  if (body.grant_type === "authorization_code") return exchangeCode(store, signer, request, body);
  if (body.grant_type === "refresh_token") return refresh(store, signer, request, body);
  return oauthError(400, "Check the `grant_type` parameter", "The authorization grant type is not supported");
}
