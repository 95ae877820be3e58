// amoCRM OAuth over HTTP: code exchange, refresh, and the api_domain lookup that finds an
// account whose subdomain changed. No state here: the account gate owns the tokens.
import type { Config } from "../env";
import { z } from "zod";
import { amoAccessTokenClaimsSchema, amoAccountDomainAnswerSchema, amoTokenAnswerSchema, amoTokenErrorSchema, shapeProblem, type AmoAccessTokenClaims } from "../contracts/amocrm";

/** A token pair as we keep it (sealed at rest; read back with this schema). */
export const tokenPairSchema = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresAt: z.number() });
export type TokenPair = z.infer<typeof tokenPairSchema>;

export type AccessTokenClaims = AmoAccessTokenClaims;

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly hint: string,
    readonly revoked: boolean,
  ) {
    super(`amoCRM OAuth answered ${status}${hint ? `: ${hint}` : ""}`);
  }
}

/** Where a call for this account domain goes: the account's own host, or the configured origin. */
export function amoOrigin(cfg: Config, domain: string): string {
  return cfg.amoApiOrigin ?? `https://${domain}`;
}

export function amoHeaders(cfg: Config, domain: string, extra: Record<string, string> = {}): Record<string, string> {
  // With a configured origin every account shares one host, so the intended one travels along.
  return cfg.amoApiOrigin ? { "x-forwarded-host": domain, ...extra } : extra;
}

/** Reads the claims of amoCRM's RS256 access token without verifying it (we cannot: not our key). */
export function decodeAccessToken(token: string): AccessTokenClaims {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(json, (ch) => ch.charCodeAt(0));
    return amoAccessTokenClaimsSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes))).data ?? {};
  } catch {
    return {};
  }
}

async function tokenRequest(cfg: Config, domain: string, body: Record<string, string>): Promise<TokenPair> {
  const res = await fetch(`${amoOrigin(cfg, domain)}/oauth2/access_token`, {
    method: "POST",
    headers: amoHeaders(cfg, domain, { "content-type": "application/json", accept: "application/json" }),
    body: JSON.stringify({ client_id: cfg.amoClientId, client_secret: cfg.amoClientSecret, redirect_uri: cfg.amoRedirectUri, ...body }),
    signal: AbortSignal.timeout(Math.min(cfg.amoTimeoutMs, 15_000)),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* non-JSON error page */
  }
  if (!res.ok) {
    const refused = amoTokenErrorSchema.safeParse(json).data;
    const hint = String(refused?.hint ?? refused?.detail ?? refused?.title ?? "").slice(0, 200);
    throw new OAuthError(res.status, hint, /revoked/i.test(hint));
  }
  // The message names the field, never its value: these are secrets.
  const answer = amoTokenAnswerSchema.safeParse(json);
  if (!answer.success) throw new OAuthError(502, shapeProblem("POST /oauth2/access_token", answer.error), false);
  const expiresIn = answer.data.expires_in ?? 86_400;
  return { accessToken: answer.data.access_token, refreshToken: answer.data.refresh_token, expiresAt: Date.now() + expiresIn * 1000 };
}

export function exchangeCode(cfg: Config, domain: string, code: string): Promise<TokenPair> {
  return tokenRequest(cfg, domain, { grant_type: "authorization_code", code });
}

export function refreshTokens(cfg: Config, domain: string, refreshToken: string): Promise<TokenPair> {
  return tokenRequest(cfg, domain, { grant_type: "refresh_token", refresh_token: refreshToken });
}

/** Asks the shared API domain which account host a refresh token belongs to now. */
export async function lookupAccountDomain(cfg: Config, apiDomain: string, refreshToken: string): Promise<string | null> {
  const res = await fetch(`${amoOrigin(cfg, apiDomain)}/oauth2/account/current/subdomain`, {
    headers: amoHeaders(cfg, apiDomain, { "x-refresh-token": refreshToken, accept: "application/json" }),
    signal: AbortSignal.timeout(Math.min(cfg.amoTimeoutMs, 15_000)),
  });
  if (!res.ok) {
    await res.body?.cancel();
    return null;
  }
  const json = amoAccountDomainAnswerSchema.safeParse(await res.json().catch(() => null)).data ?? {};
  if (json.domain) return json.domain;
  if (json.subdomain) return `${json.subdomain}.${json.top_level_domain ?? "amocrm.ru"}`;
  return null;
}
