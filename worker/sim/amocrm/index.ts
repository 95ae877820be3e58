// The local amoCRM simulator: one fetch-style handler serving many accounts (OAuth, API v4,
// outgoing webhooks) plus the /__sim/ control API; run it with shared/node-server's serve().
import type { OutgoingHook } from "../shared/outbox";
import { SimConnectionReset } from "../shared/node-server";
import { handleApi } from "./api-router";
import { handleControl } from "./control-routes";
import { problem, renderError } from "./http";
import { JwtSigner } from "./jwt";
import { handleOAuth } from "./oauth";
import { accountConflict, seedAccount } from "./seed";
import { accountInfo, accountState } from "./state";
import { Store, type ResolvedOptions } from "./store";
import type { AccountInfo, AccountState, CreateAccountInput } from "./types";

export type * from "./types";
export { AmoSimControl } from "./control";
export { decodeJwtPayload } from "./jwt";
export { disconnectSignature } from "./webhooks";

export interface AmoCrmSimOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Default 86400, as amoCRM. */
  accessTokenTtlSec?: number;
  /** How long an access token keeps working after a refresh replaced it. Default 60. */
  refreshGraceSec?: number;
  /** Default 7, as amoCRM. */
  rateLimitPerSecond?: number;
  /** Default "outbox": hooks wait for a test to take them. */
  webhookMode?: "http" | "outbox";
  /**
   * This many 429s within 10 s turn the account into a 403 HTML block (amoCRM: "repeated 429s
   * turn into a 403"; it names no number, so 10 is a guess on the strict side). 0 = never.
   */
  blockAfter429s?: number;
  /** Length of that block. Default 60000. */
  blockMs?: number;
  /** Clock in unix ms, for tests that need code or token expiry. Default Date.now. */
  now?: () => number;
}

export interface AmoCrmSim {
  handle(request: Request): Promise<Response>;
  readonly options: Readonly<ResolvedOptions>;
  /** Direct equivalents of the control calls, for Node tests that hold the sim object. */
  createAccount(input?: CreateAccountInput): AccountInfo;
  account(accountId: number): AccountInfo;
  state(accountId: number): AccountState;
  /** Pending outgoing hooks (all accounts, or one), handed over and forgotten. */
  takeOutbox(accountId?: number): OutgoingHook[];
  reset(): void;
}

/** A client that keeps ignoring 429s gets blocked, as on amoCRM: a kinder default would hide it. */
export const DEFAULT_BLOCK_AFTER_429S = 10;

export function createAmoCrmSim(options: AmoCrmSimOptions): AmoCrmSim {
  const store = new Store({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    accessTokenTtlSec: options.accessTokenTtlSec ?? 86_400,
    refreshGraceSec: options.refreshGraceSec ?? 60,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 7,
    webhookMode: options.webhookMode ?? "outbox",
    blockAfter429s: options.blockAfter429s ?? DEFAULT_BLOCK_AFTER_429S,
    blockMs: options.blockMs ?? 60_000,
    now: options.now ?? (() => Date.now()),
  });
  const signer = new JwtSigner();

  const mustGet = (accountId: number) => {
    const account = store.accounts.get(accountId);
    if (!account) throw new Error(`amoCRM sim: no account ${accountId}`);
    return account;
  };

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path.startsWith("/__sim/")) return handleControl(store, signer, request, url);
    if (path.startsWith("/api/v4/")) return handleApi(store, request, url);
    const oauth = await handleOAuth(store, signer, request, path);
    return oauth ?? problem(404, `Nothing at ${path}`);
  }

  return {
    options: store.opts,
    async handle(request) {
      try {
        return await route(request);
      } catch (err) {
        if (err instanceof SimConnectionReset) throw err;
        const rendered = renderError(err);
        if (rendered) return rendered;
        console.error("[amocrm-sim] unexpected error:", err);
        return problem(500, "Simulator error");
      }
    },
    createAccount(input = {}) {
      const conflict = accountConflict(store, input);
      if (conflict) throw new Error(`amoCRM sim: ${conflict}`);
      return accountInfo(seedAccount(store, input));
    },
    account: (id) => accountInfo(mustGet(id)),
    state: (id) => accountState(store, mustGet(id)),
    takeOutbox(accountId) {
      const accounts = accountId === undefined ? [...store.accounts.values()] : [mustGet(accountId)];
      return accounts.flatMap((a) => a.outbox.take()).sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
    },
    reset: () => store.reset(),
  };
}
