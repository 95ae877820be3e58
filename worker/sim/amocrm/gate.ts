// Everything that happens to a call before a route sees it: attribution to an account by token,
// request counting, the 403 block, the per-second rate limit, injected faults, token and domain checks.
import { API_DOMAIN, domainOf, type Account, type Store } from "./store";
import { blockedPage, problem } from "./http";

const BLOCK_WINDOW_MS = 10_000;

/** The account domain the caller aimed at: the Worker names it in X-Forwarded-Host because tests send every call to one origin. */
export function aimedHost(request: Request): string | null {
  const raw = request.headers.get("x-forwarded-host");
  if (!raw) return null;
  return raw.split(",")[0]!.trim().toLowerCase().replace(/:\d+$/, "");
}

/** False when the caller aimed at a domain the account no longer has (after a move). */
export function hostMatches(account: Account, request: Request): boolean {
  const host = aimedHost(request);
  return host === null || host === domainOf(account) || host === API_DOMAIN;
}

/** Links in HAL bodies point where the caller aimed, like a real server answering on its own host. */
export function linkBase(request: Request): string {
  const host = request.headers.get("x-forwarded-host");
  return host ? `https://${host.split(",")[0]!.trim()}` : new URL(request.url).origin;
}

export function countRequest(account: Account, method: string, pattern: string): void {
  const key = `${method} ${pattern}`;
  account.stats.requests[key] = (account.stats.requests[key] ?? 0) + 1;
}

function faultBody(status: number): Response {
  if (status === 403) {
    // What a blocked account sees: nginx's HTML page, not JSON.
    return new Response("<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>", {
      status: 403,
      headers: { "content-type": "text/html" },
    });
  }
  return problem(status, status === 429 ? "Too many requests" : "Simulated server error");
}

/** OAuth endpoints fail only when a fault plan names them in `paths`: by default faults hit the API. */
export async function oauthFault(account: Account, path: string): Promise<Response | null> {
  const plan = account.faults.current;
  if (!plan?.paths?.some((p) => path.startsWith(p))) return null;
  const kind = account.faults.pick(path);
  return kind ? account.faults.apply(kind, faultBody) : null;
}

export interface GateResult {
  account: Account;
  userId: number;
  byAdmin: boolean;
}

/**
 * Admits an API call or answers it. Order matters: an unknown token cannot be attributed at all;
 * a blocked account answers 403 before anything counts against its rate; faults come after the
 * rate limit so that injected failures do not hide real over-budget calls.
 */
export async function gate(store: Store, request: Request, pattern: string): Promise<GateResult | Response> {
  const auth = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  if (!token) return problem(401, "Authorization header with a Bearer token is required");
  const record = store.accessTokens.get(token);
  const account = record && store.accounts.get(record.accountId);
  if (!record || !account) return problem(401, "Access token is invalid");

  const nowMs = store.opts.now();
  countRequest(account, request.method, pattern);
  const stats = account.stats;
  if (stats.blockedUntil > nowMs) {
    stats.forbidden++;
    return blockedPage();
  }
  const key = String(account.id);
  if (!store.rate.hit(key)) {
    stats.tooManyRequests++;
    const limit = store.opts.blockAfter429s;
    if (limit > 0) {
      stats.recent429 = stats.recent429.filter((t) => nowMs - t < BLOCK_WINDOW_MS);
      stats.recent429.push(nowMs);
      if (stats.recent429.length >= limit) {
        stats.blockedUntil = nowMs + store.opts.blockMs;
        stats.recent429 = [];
      }
    }
    return problem(429, "Too many requests, the limit is " + store.rate.limitPerSecond + " per second");
  }
  const path = new URL(request.url).pathname;
  const kind = account.faults.pick(path);
  if (kind) return account.faults.apply(kind, faultBody);

  if (record.expiresAt <= nowMs) return problem(401, "Access token has expired");
  if (record.diesAt !== null && record.diesAt <= nowMs) return problem(401, "Access token has been revoked");
  if (!hostMatches(account, request)) return problem(401, "Account not found at this domain");
  return { account, userId: record.userId, byAdmin: record.byAdmin };
}
