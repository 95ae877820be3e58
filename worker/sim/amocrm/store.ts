// In-memory state of the simulator: accounts (each with its own entities, counters, faults and
// outbox) and the token indexes that attribute every call to one account.
import { FaultInjector, seededRandom } from "../shared/faults";
import type { ReshapeRule } from "./reshape";
import { Outbox, type DeliveryMode, type OutgoingHook } from "../shared/outbox";
import { RateWindow } from "../shared/rate-window";
import type {
  Call,
  Company,
  Contact,
  CustomField,
  EntityType,
  Lead,
  Note,
  Pipeline,
  SimUser,
  SimUserGroup,
  Tag,
  Task,
  TaskType,
  Webhook,
} from "./types";

export const BASE_DOMAIN = "amocrm.ru";
export const API_DOMAIN = "api-b.amocrm.ru";

export interface ResolvedOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accessTokenTtlSec: number;
  refreshGraceSec: number;
  rateLimitPerSecond: number;
  webhookMode: DeliveryMode;
  blockAfter429s: number;
  blockMs: number;
  now: () => number;
}

export interface Account {
  id: number;
  name: string;
  subdomain: string;
  previousDomains: string[];
  createdAt: number;
  users: SimUser[];
  groups: SimUserGroup[];
  /**
   * amoCRM's scopes page says external integrations may get no access to "user methods": when set,
   * /api/v4/users answers 403 problem+json even to an admin's token.
   */
  usersApiForbidden: boolean;
  pipelines: Pipeline[];
  fields: Record<EntityType, CustomField[]>;
  taskTypes: TaskType[];
  contacts: Map<number, Contact>;
  leads: Map<number, Lead>;
  companies: Map<number, Company>;
  notes: Note[];
  tasks: Task[];
  calls: Call[];
  webhooks: Webhook[];
  tags: Tag[];
  tokensRevoked: boolean;
  faults: FaultInjector;
  outbox: Outbox;
  dropWebhooks: number;
  /** Test hook: answers of these routes come back reshaped (reshape.ts). */
  reshape: ReshapeRule[];
  dropped: OutgoingHook[];
  stats: {
    refreshCalls: number;
    refreshSucceeded: number;
    codeExchanges: number;
    requests: Record<string, number>;
    tooManyRequests: number;
    forbidden: number;
    recent429: number[];
    blockedUntil: number;
  };
}

export interface AccessTokenRecord {
  accountId: number;
  userId: number;
  /** Whether the grant came from an account admin (admin access survives the user's later demotion). */
  byAdmin: boolean;
  /** Unix ms. */
  expiresAt: number;
  /** Unix ms after which a refreshed-away or revoked token stops working. */
  diesAt: number | null;
}

export interface RefreshTokenRecord {
  accountId: number;
  userId: number;
  byAdmin: boolean;
  accessToken: string;
  expiresAt: number;
  used: boolean;
  revoked: boolean;
}

export interface CodeRecord {
  accountId: number;
  userId: number;
  byAdmin: boolean;
  expiresAt: number;
  used: boolean;
}

export function domainOf(account: Pick<Account, "subdomain">): string {
  return `${account.subdomain}.${BASE_DOMAIN}`;
}

// Entity ids come from one sequence per kind for the whole sim (amoCRM ids are global too), with
// bases far apart so a lead id never happens to be a valid contact id.
const ID_BASES = {
  lead: 21_000_000,
  contact: 41_000_000,
  company: 61_000_000,
  task: 81_000_000,
  note: 110_000_000,
  tag: 300_000,
  webhook: 1_000,
  account: 31_000_000,
} as const;

export type IdKind = keyof typeof ID_BASES;

export class Store {
  accounts = new Map<number, Account>();
  accessTokens = new Map<string, AccessTokenRecord>();
  refreshTokens = new Map<string, RefreshTokenRecord>();
  codes = new Map<string, CodeRecord>();
  rate: RateWindow;
  private seq: Record<IdKind, number> = { ...ID_BASES };
  private random = seededRandom(0x5eed);
  private usedRandomIds = new Set<number>();

  constructor(public opts: ResolvedOptions) {
    this.rate = new RateWindow(opts.rateLimitPerSecond, opts.now);
  }

  nextId(kind: IdKind): number {
    this.seq[kind] += 1;
    return this.seq[kind];
  }

  /** A random-looking id unique in the whole sim, so metadata ids never line up across accounts. */
  randomId(min: number, max: number): number {
    for (;;) {
      const id = min + Math.floor(this.random() * (max - min));
      if (!this.usedRandomIds.has(id)) {
        this.usedRandomIds.add(id);
        return id;
      }
    }
  }

  nowSec(): number {
    return Math.floor(this.opts.now() / 1000);
  }

  newAccount(init: Omit<Account, "usersApiForbidden" | "faults" | "outbox" | "dropWebhooks" | "reshape" | "dropped" | "stats" | "tokensRevoked" | "contacts" | "leads" | "companies" | "notes" | "tasks" | "calls" | "webhooks" | "tags">): Account {
    const account: Account = {
      ...init,
      usersApiForbidden: false,
      contacts: new Map(),
      leads: new Map(),
      companies: new Map(),
      notes: [],
      tasks: [],
      calls: [],
      webhooks: [],
      tags: [],
      tokensRevoked: false,
      faults: new FaultInjector(),
      outbox: new Outbox(this.opts.webhookMode),
      dropWebhooks: 0,
      reshape: [],
      dropped: [],
      stats: {
        refreshCalls: 0,
        refreshSucceeded: 0,
        codeExchanges: 0,
        requests: {},
        tooManyRequests: 0,
        forbidden: 0,
        recent429: [],
        blockedUntil: 0,
      },
    };
    this.accounts.set(account.id, account);
    if (account.id > this.seq.account) this.seq.account = account.id;
    return account;
  }

  bySubdomain(subdomain: string): Account | undefined {
    for (const account of this.accounts.values()) if (account.subdomain === subdomain) return account;
    return undefined;
  }

  reset(): void {
    this.accounts.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.rate.reset();
  }
}

/** amoCRM's `updated_at` has one-second resolution; bumping past the previous value makes every write visible. */
export function touch(entity: { updated_at: number }, nowSec: number): void {
  entity.updated_at = Math.max(nowSec, entity.updated_at + 1);
}

export function randomToken(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** State a feature keeps beside each account without widening Account: made on first use, gone with the account. */
export function perAccount<T>(make: () => T): (account: Account) => T {
  const held = new WeakMap<Account, T>();
  return (account) => {
    let value = held.get(account);
    if (value === undefined) {
      value = make();
      held.set(account, value);
    }
    return value;
  };
}
