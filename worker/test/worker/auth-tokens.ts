// Test helpers for sign-in: amoCRM-style widget tokens (valid by default, every claim overridable),
// unsigned tokens for attack tests, account rows, and fresh account ids.
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { makeDb } from "../../src/db/client";
import { accounts } from "../../src/db/schema";
import { TEST_BINDINGS } from "./bindings";

/** The claims amoCRM puts into the widget's `X-Auth-Token`. */
export interface WidgetTokenClaims {
  iss: string;
  aud: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  account_id: number;
  subdomain: string;
  user_id: number;
  client_uuid: string;
  is_admin: boolean;
}

export interface WidgetTokenOptions {
  /** Signing key; defaults to the test client secret. */
  secret?: string;
  /** Defaults to HS256, what amoCRM uses. */
  alg?: "HS256" | "HS384" | "HS512";
  /** Clock for iat/nbf/exp, in epoch seconds; defaults to now. */
  now?: number;
  /** Claims to leave out entirely. */
  omit?: (keyof WidgetTokenClaims)[];
}

export const TEST_ACCOUNT_ID = 31_000_001;
export const TEST_USER_ID = 501;

export function defaultClaims(overrides: Partial<WidgetTokenClaims> = {}, now = Math.floor(Date.now() / 1000)): WidgetTokenClaims {
  const subdomain = overrides.subdomain ?? "acme";
  return {
    iss: `https://${subdomain}.amocrm.ru`,
    aud: TEST_BINDINGS.PUBLIC_ORIGIN,
    jti: crypto.randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 30 * 60,
    account_id: TEST_ACCOUNT_ID,
    subdomain,
    user_id: TEST_USER_ID,
    client_uuid: TEST_BINDINGS.AMOCRM_CLIENT_ID,
    is_admin: false,
    ...overrides,
  };
}

/** A token as amoCRM's `$authorizedAjax` would send it; a plain (non-admin) user unless told otherwise. */
export async function widgetToken(claims: Partial<WidgetTokenClaims> = {}, opts: WidgetTokenOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = { ...defaultClaims(claims, opts.now) };
  for (const key of opts.omit ?? []) delete payload[key];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: opts.alg ?? "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(opts.secret ?? TEST_BINDINGS.AMOCRM_CLIENT_SECRET));
}

function b64url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A hand-built `alg: none` token: valid-looking claims, no signature. */
export function unsignedToken(claims: Partial<WidgetTokenClaims> = {}): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(defaultClaims(claims)))}.`;
}

/** Headers for a widget call with a token. */
export function widgetHeaders(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "X-Auth-Token": token, ...extra };
}

let seq = 0;
/** A fresh account id per call, so tests never share rows even when storage is shared. */
export function uniqueAccountId(): number {
  seq += 1;
  return 40_000_000 + Math.floor(Math.random() * 1_000_000) * 100 + seq;
}

export type AccountInsert = typeof accounts.$inferInsert;

/** Inserts an installed account; `domain` follows `subdomain` unless given. */
export async function insertAccount(overrides: Partial<AccountInsert> = {}) {
  const subdomain = overrides.subdomain ?? "acme";
  const row: AccountInsert = {
    accountId: TEST_ACCOUNT_ID,
    subdomain,
    domain: `${subdomain}.amocrm.ru`,
    status: "active",
    amoHookKey: crypto.randomUUID(),
    installedAt: Date.now(),
    ...overrides,
  };
  const db = makeDb(env.DB);
  await db.insert(accounts).values(row);
  return row;
}
