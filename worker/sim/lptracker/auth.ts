// Login, logout and token checks (docs §1): the token travels in a header literally named `token`,
// expires after an idle period, and every auth failure is HTTP 200 with error code 401.
import type { ApiRoute } from "./api-context";
import { LptError } from "./envelope";
import type { Body } from "./input";
import type { Store, TokenRec, UserRec } from "./store";

function newToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The user a login body names, if any; used to charge the call to that user's rate window. */
export function loginUser(store: Store, body: Body): UserRec | undefined {
  return typeof body.login === "string" ? store.users.get(body.login) : undefined;
}

export function login(store: Store, body: Body): { token: string } {
  for (const key of ["login", "password", "service", "version"]) {
    if (typeof body[key] !== "string" || body[key] === "") throw new LptError(400, `Field ${key} is required`);
  }
  if (body.version !== "1.0") throw new LptError(400, "Unsupported version");
  const user = loginUser(store, body);
  if (!user || user.password !== body.password) {
    if (user) user.failedLoginCount++;
    throw new LptError(401, "Invalid login or password");
  }
  const rec: TokenRec = { token: newToken(), login: user.login, service: body.service as string, lastUsedAt: store.now() };
  store.tokens.set(rec.token, rec);
  user.loginCount++;
  const main = user.staff.find((s) => s.type === "main");
  if (main) main.last_login_at = Math.floor(store.now() / 1000);
  return { token: rec.token };
}

/** Resolves the `token` header; a token idle longer than the TTL is gone for good. */
export function resolveToken(store: Store, header: string | null): { token: TokenRec; user: UserRec } | { error: string } {
  if (!header) return { error: "Token is required" };
  const rec = store.tokens.get(header.trim());
  const user = rec && store.users.get(rec.login);
  if (!rec || !user) return { error: "Invalid token" };
  if (store.now() - rec.lastUsedAt > store.behaviour(user).tokenIdleTtlSec * 1000) {
    store.tokens.delete(rec.token);
    return { error: "Token expired" };
  }
  rec.lastUsedAt = store.now();
  return { token: rec, user };
}

export function revokeTokens(store: Store, login: string): number {
  let n = 0;
  for (const [key, rec] of store.tokens) {
    if (rec.login === login) {
      store.tokens.delete(key);
      n++;
    }
  }
  return n;
}

export const authRoutes: ApiRoute[] = [
  {
    method: "POST",
    pattern: "/logout",
    handler: (ctx) => {
      ctx.store.tokens.delete(ctx.token.token);
      return null;
    },
  },
];
