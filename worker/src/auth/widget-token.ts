// Widget sign-in: verifies amoCRM's one-time `X-Auth-Token` (an HS256 JWT keyed with our client
// secret) and puts the caller on `c.var.widget`. Who is calling comes from the token, never the request.
import type { MiddlewareHandler } from "hono";
import { errors, jwtVerify, type JWTPayload } from "jose";
import type { Config } from "../env";
import type { AppEnv, WidgetAuth } from "../lib/hono-env";
import { Problem, problemOf } from "../lib/problem";
import { ERRORS, type ErrorCode } from "../lib/errors";
import { getAccount } from "../db/accounts";
import { tenant } from "../db/tenant";

export const TOKEN_HEADER = "X-Auth-Token";

/** amoCRM and our clocks may drift; more than a minute is refused rather than trusted. */
const CLOCK_TOLERANCE_S = 60;
/** Real tokens are well under 1 KB; a huge header is refused before any crypto runs. */
const MAX_TOKEN_CHARS = 4096;

export type WidgetTokenRefusal =
  | "missing"
  | "malformed"
  | "signature"
  | "expired"
  | "not_yet_valid"
  | "audience"
  | "client"
  | "claims"
  | "issuer";

const CODES: Record<WidgetTokenRefusal, ErrorCode> = {
  missing: "widget_token_missing",
  malformed: "widget_token_malformed",
  signature: "widget_token_signature",
  expired: "widget_token_expired",
  not_yet_valid: "widget_token_not_yet_valid",
  audience: "widget_token_audience",
  client: "widget_token_client",
  claims: "widget_token_claims",
  issuer: "widget_token_issuer",
};

export class WidgetTokenError extends Error {
  constructor(readonly reason: WidgetTokenRefusal) {
    super(ERRORS[CODES[reason]].detail);
  }
}

export function widgetTokenProblem(reason: WidgetTokenRefusal): Problem {
  return problemOf(CODES[reason], {}, { reason });
}

/** amoCRM puts `scheme://host` of the redirect URI into `aud`; the port form covers local sandboxes. */
export function expectedAudiences(redirectUri: string): string[] {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new Problem("redirect_uri_invalid", {}, { missing: ["AMOCRM_REDIRECT_URI"] });
  }
  return [...new Set([`${url.protocol}//${url.hostname}`, url.origin])];
}

function positiveInt(value: unknown): number | null {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : null;
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "true";
}

/** Host of a URL or a bare domain, lower-cased: `https://Acme.amocrm.ru/` → `acme.amocrm.ru`. */
export function hostOf(value: string): string | null {
  const v = value.trim();
  if (!v) return null;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`).host.toLowerCase();
  } catch {
    return null;
  }
}

function refusalOf(err: unknown): WidgetTokenRefusal {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed) return err.claim === "nbf" ? "not_yet_valid" : err.claim === "aud" ? "audience" : "claims";
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JWSSignatureVerificationFailed) return "signature";
  return "malformed";
}

type WidgetTokenConfig = Pick<Config, "amoClientId" | "amoClientSecret" | "amoRedirectUri">;

/**
 * Checks signature (HS256 only), audience, time window and `client_uuid`, and reads the caller.
 * The issuer is only parsed here; comparing it with the stored account domain needs the database.
 */
export async function verifyWidgetToken(token: string, cfg: WidgetTokenConfig, now: Date = new Date()): Promise<WidgetAuth> {
  if (token.length > MAX_TOKEN_CHARS || token.split(".").length !== 3) throw new WidgetTokenError("malformed");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(cfg.amoClientSecret), {
      algorithms: ["HS256"],
      audience: expectedAudiences(cfg.amoRedirectUri),
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "iss"],
      currentDate: now,
    }));
  } catch (err) {
    if (err instanceof Problem) throw err;
    throw new WidgetTokenError(refusalOf(err));
  }
  if (payload.client_uuid !== cfg.amoClientId) throw new WidgetTokenError("client");
  const accountId = positiveInt(payload.account_id);
  const userId = positiveInt(payload.user_id);
  const issuer = typeof payload.iss === "string" ? payload.iss : "";
  const issuerHost = hostOf(issuer);
  if (!accountId || !userId || !issuerHost) throw new WidgetTokenError("claims");
  const subdomain = typeof payload.subdomain === "string" && payload.subdomain ? payload.subdomain : issuerHost.split(".")[0]!;
  return { accountId, userId, isAdmin: flag(payload.is_admin), subdomain, issuer };
}

/** `/api/widget/*`: a valid token, and for a known account a token issued by that account's domain. */
export const widgetAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  // Preflights carry no token by design; the CORS layer answers them.
  if (c.req.method === "OPTIONS") return next();
  const token = c.req.header(TOKEN_HEADER)?.trim();
  if (!token) throw widgetTokenProblem("missing");
  let auth: WidgetAuth;
  try {
    auth = await verifyWidgetToken(token, c.var.cfg);
  } catch (err) {
    if (err instanceof WidgetTokenError) throw widgetTokenProblem(err.reason);
    throw err;
  }
  // A token whose account id and issuing domain disagree with what the install recorded is not trusted,
  // even when its signature is good.
  const account = await getAccount(tenant(c.var.db, auth.accountId));
  if (account && hostOf(account.domain) !== hostOf(auth.issuer)) throw widgetTokenProblem("issuer");
  c.set("widget", auth);
  await next();
};

/** Settings and admin links need an amoCRM administrator. */
export const requireWidgetAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  // Unset when no token middleware ran before this one.
  const widget: WidgetAuth | undefined = c.get("widget");
  if (!widget) throw widgetTokenProblem("missing");
  if (!widget.isAdmin) {
    throw new Problem("amo_admin_required", {}, { reason: "not_admin" });
  }
  await next();
};
