// Durable Object per amoCRM account: the only holder of its OAuth tokens (sealed at rest) and the
// only door to its API. One refresh at a time (refresh tokens are single-use), one request budget
// (≤ 7 req/s by default), 429 → wait and retry, 403 → cool down, timeouts → retry what is safe.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { config, type Config, type Env } from "../env";
import { reseal, secretBox } from "../lib/secret-box";
import { RequestBudget, sleep } from "../lib/budget";
import { amoHeaders, amoOrigin, decodeAccessToken, lookupAccountDomain, OAuthError, refreshTokens, type TokenPair } from "./oauth";
import { makeDb } from "../db/client";
import { tenant } from "../db/tenant";
import { recordTokenRefresh, setAccountStatus } from "../db/accounts";
import { writeAudit } from "../db/audit";
import { logWarn } from "../lib/log";
import { codedText } from "../lib/errors";
import { Coalescer } from "./coalesce";
import { ContactIndex, type LookupResult, type Person } from "./contact-index";
import { amoComplexAnswerSchema, amoEntityRefSchema, halPageSchema, shapeProblem } from "../contracts/amocrm";
import { errorText, errorName } from "../lib/error-text";

/** The sealed form of a token pair (see `seal`). */
const sealedPairSchema = z.object({ a: z.string(), r: z.string() });

const REFRESH_BEFORE_MS = 60 * 60 * 1000;
const BLOCK_COOLDOWN_MS = 5 * 60 * 1000;
const MAX_429_WAIT_MS = 30_000;
/** How long the first call of a batch waits for company; later ones gather while a batch is out. */
const LINGER_MS = 60;
/** `/api/v4/leads/complex` takes at most 50 leads; lists at most 250 per page. */
const MAX_COMPLEX = 50;
const MAX_PAGE = 250;

/** One lead for `/api/v4/leads/complex`, with the new contact's numbers for the contact index. */
export interface ComplexItem {
  body: unknown;
  phones: string[];
  emails: string[];
}

export interface AmoRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | (string | number)[] | undefined>;
  body?: unknown;
}

export type AmoResult =
  | { ok: true; status: number; body: unknown }
  | { ok: false; error: "no_tokens" | "reauth_required" | "blocked" | "transient"; detail: string; retryAfterMs?: number }
  /** amoCRM answered, but not in the shape we read (the client turns it into an AmoError naming the field). */
  | { ok: false; error: "shape"; detail: string; body: unknown; retryAfterMs?: undefined };

interface StoredTokens {
  accountId: number;
  domain: string;
  apiDomain: string | null;
  sealed: string;
  expiresAt: number;
  refreshedAt: number;
  revoked: boolean;
  revokedReason?: string;
}

export interface GateStatus {
  hasTokens: boolean;
  domain: string | null;
  expiresAt: number | null;
  refreshedAt: number | null;
  revoked: boolean;
  blockedUntil: number | null;
  refreshCount: number;
}

export function buildQuery(query: AmoRequest["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

export class AmoAccountGate extends DurableObject<Env> {
  private tokens: StoredTokens | null | undefined;
  private refreshing: Promise<void> | null = null;
  private budget: RequestBudget | null = null;
  private blockedUntil = 0;
  private refreshCount = 0;
  private locks = new Map<string, { token: string; until: number }>();
  private index: ContactIndex | null = null;
  private lookups: Coalescer<Person, LookupResult> | null = null;
  private complexes: Coalescer<ComplexItem, AmoResult> | null = null;
  private reads = new Map<string, Coalescer<number, AmoResult>>();
  private patches = new Map<string, Coalescer<{ id: number }, AmoResult>>();

  private get cfg(): Config {
    return config(this.env);
  }

  private box() {
    return secretBox(this.cfg.encryptionKey);
  }

  private context(accountId: number): string {
    return `amo-tokens:${accountId}`;
  }

  private async load(): Promise<StoredTokens | null> {
    if (this.tokens === undefined) this.tokens = (await this.ctx.storage.get<StoredTokens>("tokens")) ?? null;
    return this.tokens;
  }

  private async save(state: StoredTokens | null): Promise<void> {
    this.tokens = state;
    if (state) await this.ctx.storage.put("tokens", state);
    else await this.ctx.storage.delete("tokens");
  }

  private async seal(accountId: number, pair: TokenPair): Promise<string> {
    return this.box().seal(JSON.stringify({ a: pair.accessToken, r: pair.refreshToken }), this.context(accountId));
  }

  private async unseal(state: StoredTokens): Promise<{ access: string; refresh: string }> {
    const plain = sealedPairSchema.parse(JSON.parse(await this.box().open(state.sealed, this.context(state.accountId))));
    return { access: plain.a, refresh: plain.r };
  }

  /** Called by the install job after the code exchange. */
  async storeTokens(input: { accountId: number; domain: string; apiDomain: string | null } & TokenPair): Promise<void> {
    const now = Date.now();
    await this.save({
      accountId: input.accountId,
      domain: input.domain,
      apiDomain: input.apiDomain,
      sealed: await this.seal(input.accountId, input),
      expiresAt: input.expiresAt,
      refreshedAt: now,
      revoked: false,
    });
    this.blockedUntil = 0;
  }

  /** Uninstall: the tokens are gone and every later call is refused. */
  async forgetTokens(): Promise<void> {
    await this.save(null);
    await this.contactIndex().clear();
  }

  private contactIndex(): ContactIndex {
    this.index ??= new ContactIndex(this.ctx.storage, (req) => this.request(req));
    return this.index;
  }

  /**
   * Finds a person's amoCRM contact. Lookups arriving together share one freshness read of the
   * contact index and one read-back of the hits (see contact-index.ts).
   */
  async findContact(person: Person): Promise<LookupResult> {
    this.lookups ??= new Coalescer(MAX_COMPLEX, LINGER_MS, (persons) => this.contactIndex().lookup(persons));
    return this.lookups.push(person);
  }

  /** Creates a lead (with a new or an existing contact): leads arriving together share one `leads/complex` call. */
  async createComplex(item: ComplexItem): Promise<AmoResult> {
    this.complexes ??= new Coalescer(MAX_COMPLEX, LINGER_MS, (items) => this.sendComplex(items));
    return this.complexes.push(item);
  }

  private async sendComplex(items: ComplexItem[]): Promise<AmoResult[]> {
    const r = await this.request({ method: "POST", path: "/api/v4/leads/complex", body: items.map((i) => i.body) });
    const rows = r.ok && r.status < 300 ? amoComplexAnswerSchema.safeParse(r.body).data : undefined;
    if (r.ok && rows && rows.length === items.length) {
      return rows.map((row, i) => {
        const item = items[i]!;
        if (row.contact_id && (item.phones.length || item.emails.length)) this.contactIndex().putKeys(row.contact_id, item.phones, item.emails);
        return { ok: true, status: r.status, body: [row] };
      });
    }
    // amoCRM refuses the whole request for one bad lead: halve until the bad ones stand alone, so
    // the rest land and each refused lead gets its own reason.
    if (r.ok && r.status >= 400 && r.status < 500 && items.length > 1) {
      const half = Math.ceil(items.length / 2);
      return [...(await this.sendComplex(items.slice(0, half))), ...(await this.sendComplex(items.slice(half)))];
    }
    return items.map(() => r);
  }

  /** Reads a lead (with its contacts) or a contact as amoCRM has it now; reads arriving together share one list call. */
  async readEntity(kind: "leads" | "contacts", id: number): Promise<AmoResult> {
    let reads = this.reads.get(kind);
    if (!reads) {
      reads = new Coalescer(MAX_PAGE, LINGER_MS, async (ids): Promise<AmoResult[]> => {
        const unique = [...new Set(ids)];
        const query = { "filter[id][]": unique, limit: MAX_PAGE, ...(kind === "leads" ? { with: "contacts" } : {}) };
        const r = await this.request({ method: "GET", path: `/api/v4/${kind}`, query });
        if (!r.ok || r.status >= 300) return ids.map(() => r);
        // A page in another shape must not read as "every lead is gone": each caller gets the problem.
        const page = halPageSchema(kind, amoEntityRefSchema).safeParse(r.status === 204 ? {} : r.body);
        if (!page.success) return ids.map(() => ({ ok: false, error: "shape", detail: shapeProblem(`GET /api/v4/${kind}`, page.error), body: r.body }));
        const items = page.data._embedded?.[kind] ?? [];
        const byId = new Map(items.map((x) => [x.id, x]));
        return ids.map((x) => (byId.has(x) ? { ok: true, status: 200, body: byId.get(x) } : { ok: true, status: 404, body: { title: "Not Found", detail: `${kind} ${x} not found` } }));
      });
      this.reads.set(kind, reads);
    }
    return reads.push(id);
  }

  /** Updates a lead or a contact: updates arriving together share one `PATCH /api/v4/{kind}` (≤ 50). */
  async patchEntity(kind: "leads" | "contacts", body: { id: number }): Promise<AmoResult> {
    let patches = this.patches.get(kind);
    if (!patches) {
      patches = new Coalescer(MAX_COMPLEX, LINGER_MS, (items) => this.sendPatch(kind, items));
      this.patches.set(kind, patches);
    }
    return patches.push(body);
  }

  private async sendPatch(kind: "leads" | "contacts", items: { id: number }[]): Promise<AmoResult[]> {
    // Two changes of one entity in one call would race inside amoCRM: they go one call apart.
    const seen = new Set<number>();
    const now = items.filter((x) => !seen.has(x.id) && seen.add(x.id));
    const later = items.filter((x) => !now.includes(x));
    const r = await this.request({ method: "PATCH", path: `/api/v4/${kind}`, body: now });
    let out: Map<{ id: number }, AmoResult>;
    if (r.ok && r.status >= 400 && r.status < 500 && now.length > 1) {
      const half = Math.ceil(now.length / 2);
      const parts = [...(await this.sendPatch(kind, now.slice(0, half))), ...(await this.sendPatch(kind, now.slice(half)))];
      out = new Map(now.map((x, i) => [x, parts[i]!]));
    } else {
      out = new Map(now.map((x) => [x, r]));
    }
    if (later.length) {
      const rest = await this.sendPatch(kind, later);
      later.forEach((x, i) => out.set(x, rest[i]!));
    }
    return items.map((x) => out.get(x)!);
  }

  /**
   * Asks amoCRM whether our access to this account is really gone, before an uninstall hook wipes
   * anything: its signature never expires, so a captured hook proves nothing on its own. One cheap
   * call with the stored token; a 401 there is confirmed only by a refused refresh (the token may
   * just have expired). `unknown` when amoCRM could not be asked; the caller retries later.
   */
  async confirmAccessGone(): Promise<{ verdict: "gone" | "live" | "unknown"; detail: string }> {
    const state = await this.load();
    if (!state) return { verdict: "gone", detail: "no amoCRM tokens are stored for the account" };
    if (state.revoked) return { verdict: "gone", detail: "amoCRM had already refused our refresh token" };
    if (state.expiresAt > Date.now()) {
      if (!this.budget) this.budget = new RequestBudget(this.cfg.amoRatePerSecond);
      const answered = await this.budget.take();
      let status: number;
      try {
        const res = await fetch(`${amoOrigin(this.cfg, state.domain)}/api/v4/account`, {
          headers: amoHeaders(this.cfg, state.domain, { authorization: `Bearer ${(await this.unseal(state)).access}`, accept: "application/json" }),
          signal: AbortSignal.timeout(Math.min(this.cfg.amoTimeoutMs, 10_000)),
        });
        answered();
        status = res.status;
        await res.body?.cancel();
      } catch (err) {
        answered();
        return { verdict: "unknown", detail: `amoCRM did not answer GET /api/v4/account: ${errorName(err)}` };
      }
      if (status >= 200 && status < 300) return { verdict: "live", detail: `amoCRM still accepts our access token (GET /api/v4/account answered ${status})` };
      if (status !== 401) return { verdict: "unknown", detail: `GET /api/v4/account answered ${status}` };
    }
    try {
      await this.refreshOnce();
      return { verdict: "live", detail: "amoCRM still accepts our refresh token (the refresh succeeded)" };
    } catch (err) {
      const after = await this.load();
      if (!after || after.revoked || (err instanceof OAuthError && err.revoked)) {
        return { verdict: "gone", detail: `amoCRM refused our refresh token (${errorText(err)})` };
      }
      return { verdict: "unknown", detail: `the token refresh did not complete: ${errorText(err)}` };
    }
  }

  /**
   * Key rotation: seals the stored tokens again under the newest ENCRYPTION_KEY when an older key
   * sealed them. `failed` when no configured key opens them (an old key was removed too early).
   */
  async resealTokens(): Promise<{ found: number; failed: number }> {
    // A refresh in flight saves under the newest key anyway; let it finish first.
    if (this.refreshing) await this.refreshing.catch(() => undefined);
    const state = await this.load();
    const box = this.box();
    if (!state || !box.isStale(state.sealed)) return { found: 0, failed: 0 };
    try {
      await this.save({ ...state, sealed: await reseal(box, state.sealed, this.context(state.accountId)) });
      return { found: 1, failed: 0 };
    } catch (err) {
      logWarn("amoCRM tokens could not be re-sealed", { accountId: state.accountId, error: errorText(err) });
      return { found: 1, failed: 1 };
    }
  }

  async status(): Promise<GateStatus> {
    const t = await this.load();
    return {
      hasTokens: !!t,
      domain: t?.domain ?? null,
      expiresAt: t?.expiresAt ?? null,
      refreshedAt: t?.refreshedAt ?? null,
      revoked: t?.revoked ?? false,
      blockedUntil: this.blockedUntil > Date.now() ? this.blockedUntil : null,
      refreshCount: this.refreshCount,
    };
  }

  /** Hands out a valid access token (refreshing first when less than an hour is left). */
  async accessToken(): Promise<{ ok: true; token: string; domain: string } | Extract<AmoResult, { ok: false }>> {
    const state = await this.load();
    if (!state) return { ok: false, error: "no_tokens", detail: "The integration is not installed for this account." };
    if (state.revoked) return { ok: false, error: "reauth_required", detail: state.revokedReason ?? "amoCRM revoked access; reinstall the integration." };
    if (state.expiresAt - Date.now() < REFRESH_BEFORE_MS) {
      try {
        await this.refreshOnce();
      } catch (err) {
        const now = await this.load();
        if (now?.revoked) return { ok: false, error: "reauth_required", detail: now.revokedReason ?? "amoCRM revoked access." };
        // A failed refresh is survivable while the current token still works.
        if (!now || now.expiresAt <= Date.now()) return { ok: false, error: "transient", detail: `Token refresh failed: ${errorText(err)}`, retryAfterMs: 5000 };
      }
    }
    const current = (await this.load())!;
    if (current.revoked) return { ok: false, error: "reauth_required", detail: current.revokedReason ?? "amoCRM revoked access." };
    return { ok: true, token: (await this.unseal(current)).access, domain: current.domain };
  }

  /** Forces a refresh now (keep-alive cron, or a 401 on a call). Concurrent callers share it. */
  async refresh(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.refreshOnce();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: errorText(err) };
    }
  }

  private refreshOnce(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const state = await this.load();
    if (!state) throw new Error("no tokens");
    if (state.revoked) throw new Error("revoked");
    const { refresh } = await this.unseal(state);
    let domain = state.domain;
    let pair: TokenPair;
    this.refreshCount++;
    try {
      pair = await refreshTokens(this.cfg, domain, refresh);
    } catch (err) {
      if (!(err instanceof OAuthError) || (err.status !== 401 && err.status !== 404)) throw err;
      // The account may have moved to another subdomain: ask the shared API domain before giving up.
      const apiDomain = state.apiDomain ?? decodeAccessToken((await this.unseal(state)).access).api_domain ?? null;
      const moved = apiDomain ? await lookupAccountDomain(this.cfg, apiDomain, refresh).catch(() => null) : null;
      if (!moved || moved === domain) {
        await this.markRevoked(state, err);
        throw err;
      }
      domain = moved;
      try {
        pair = await refreshTokens(this.cfg, domain, refresh);
      } catch (err2) {
        if (err2 instanceof OAuthError && (err2.status === 401 || err2.status === 404)) await this.markRevoked(state, err2);
        throw err2;
      }
    }
    const claims = decodeAccessToken(pair.accessToken);
    const now = Date.now();
    await this.save({
      ...state,
      domain,
      apiDomain: claims.api_domain ?? state.apiDomain,
      sealed: await this.seal(state.accountId, pair),
      expiresAt: pair.expiresAt,
      refreshedAt: now,
    });
    const t = tenant(makeDb(this.env.DB), state.accountId);
    await recordTokenRefresh(t, domain, now);
    if (domain !== state.domain) {
      await writeAudit(t, { source: "amocrm", action: "account.domain_changed", message: `amoCRM account moved from ${state.domain} to ${domain}; tokens refreshed there.` });
    }
  }

  private async markRevoked(state: StoredTokens, err: OAuthError): Promise<void> {
    const reason = codedText("amo_access_revoked").text;
    await this.save({ ...state, revoked: true, revokedReason: reason });
    const t = tenant(makeDb(this.env.DB), state.accountId);
    await setAccountStatus(t, "reauth_required", err.hint || `refresh answered ${err.status}`);
    await writeAudit(t, { level: "error", source: "amocrm", action: "account.reauth_required", message: `Token refresh refused (${err.status}${err.hint ? `: ${err.hint}` : ""}); the account needs a reinstall.` });
  }

  /**
   * Takes every key or none (a sync job locks the LPTracker lead and the contact's phones and
   * e-mails so that two jobs never create the same contact twice). Expires by itself.
   */
  async tryLock(keys: string[], ttlMs = 60_000): Promise<string | null> {
    const now = Date.now();
    for (const key of keys) {
      const held = this.locks.get(key);
      if (held && held.until > now) return null;
    }
    const token = crypto.randomUUID();
    for (const key of keys) this.locks.set(key, { token, until: now + ttlMs });
    return token;
  }

  async unlock(token: string): Promise<void> {
    for (const [key, held] of this.locks) if (held.token === token) this.locks.delete(key);
  }

  /** Sends one API call within the account's budget; retries 429s and what is safe to retry. */
  async request(req: AmoRequest): Promise<AmoResult> {
    if (this.blockedUntil > Date.now()) {
      return { ok: false, error: "blocked", detail: "amoCRM blocked calls for this account (403); waiting out the cool-down.", retryAfterMs: this.blockedUntil - Date.now() };
    }
    if (!this.budget) this.budget = new RequestBudget(this.cfg.amoRatePerSecond);
    const idempotent = req.method !== "POST";
    let waited429 = 0;
    let transientTries = 0;
    let refreshedFor401 = false;
    for (;;) {
      const token = await this.accessToken();
      if (!token.ok) return token;
      const answered = await this.budget.take();
      let res: Response;
      try {
        res = await fetch(`${amoOrigin(this.cfg, token.domain)}${req.path}${buildQuery(req.query)}`, {
          method: req.method,
          headers: amoHeaders(this.cfg, token.domain, {
            authorization: `Bearer ${token.token}`,
            accept: "application/json",
            ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
          }),
          body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
          signal: AbortSignal.timeout(this.cfg.amoTimeoutMs),
        });
        answered();
      } catch (err) {
        answered();
        // Timeout or connection reset: the call may or may not have landed.
        if (idempotent && transientTries < 2) {
          transientTries++;
          await sleep(300 * 2 ** transientTries);
          continue;
        }
        return { ok: false, error: "transient", detail: `amoCRM did not answer ${req.method} ${req.path}: ${errorName(err)}`, retryAfterMs: 2000 };
      }
      if (res.status === 429) {
        await res.body?.cancel();
        const wait = Math.max(1000, Number(res.headers.get("retry-after") ?? 1) * 1000);
        if (waited429 + wait > MAX_429_WAIT_MS) return { ok: false, error: "transient", detail: "amoCRM kept answering 429 Too Many Requests.", retryAfterMs: wait };
        waited429 += wait;
        await sleep(wait);
        continue;
      }
      if (res.status === 403) {
        const text = (await res.text()).slice(0, 200);
        const isBlock = !text.trim().startsWith("{") || /block|many/i.test(text);
        if (isBlock) {
          this.blockedUntil = Date.now() + BLOCK_COOLDOWN_MS;
          const state = await this.load();
          logWarn("amoCRM answered 403; cooling down", { accountId: state?.accountId, path: req.path });
          if (state) {
            await writeAudit(tenant(makeDb(this.env.DB), state.accountId), {
              level: "error",
              source: "amocrm",
              action: "account.blocked",
              message: `amoCRM answered 403 on ${req.method} ${req.path}; calls paused for ${BLOCK_COOLDOWN_MS / 60000} min.`,
            });
          }
          return { ok: false, error: "blocked", detail: "amoCRM answered 403 Forbidden; calls to this account are paused.", retryAfterMs: BLOCK_COOLDOWN_MS };
        }
        return { ok: true, status: 403, body: safeJson(text) };
      }
      if (res.status === 401 && !refreshedFor401) {
        await res.body?.cancel();
        refreshedFor401 = true;
        const r = await this.refresh();
        if (!r.ok) {
          const state = await this.load();
          if (state?.revoked) return { ok: false, error: "reauth_required", detail: state.revokedReason ?? "amoCRM revoked access." };
          return { ok: false, error: "transient", detail: `Token refresh after 401 failed: ${r.detail}`, retryAfterMs: 5000 };
        }
        continue;
      }
      const retryable = res.status === 502 || res.status === 503 || (idempotent && (res.status === 500 || res.status === 504));
      if (retryable && transientTries < 2) {
        await res.body?.cancel();
        transientTries++;
        await sleep(300 * 2 ** transientTries);
        continue;
      }
      if (res.status >= 500) {
        await res.body?.cancel();
        return { ok: false, error: "transient", detail: `amoCRM answered ${res.status} on ${req.method} ${req.path}.`, retryAfterMs: 2000 };
      }
      if (res.status === 204) return { ok: true, status: 204, body: null };
      const text = await res.text();
      return { ok: true, status: res.status, body: safeJson(text) };
    }
  }
}

function safeJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text.slice(0, 500) };
  }
}

export function amoGate(env: Env, accountId: number): DurableObjectStub<AmoAccountGate> {
  return env.AMO_GATE.get(env.AMO_GATE.idFromName(`amo:${accountId}`));
}

