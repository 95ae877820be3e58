// The tenant scope. Every data function takes one as its first argument and refuses to run
// without a valid account id, so a query can never forget whose rows it touches.
import type { Db } from "./client";

export class TenantRequiredError extends Error {
  constructor(what: string) {
    super(`tenant data access needs an amoCRM account id (${what})`);
  }
}

export interface Tenant {
  readonly accountId: number;
  readonly db: Db;
}

function checkAccountId(accountId: unknown): number {
  if (typeof accountId !== "number" || !Number.isSafeInteger(accountId) || accountId <= 0) {
    throw new TenantRequiredError(`got ${accountId === undefined ? "nothing" : JSON.stringify(accountId)}`);
  }
  return accountId;
}

export function tenant(db: Db, accountId: number): Tenant {
  return Object.freeze({ accountId: checkAccountId(accountId), db });
}

export function assertTenant(t: Tenant | null | undefined): asserts t is Tenant {
  if (!t || typeof t !== "object") throw new TenantRequiredError("no tenant scope");
  checkAccountId(t.accountId);
  if (!t.db) throw new TenantRequiredError("tenant scope has no database");
}

/** Wraps a data function so that it checks its tenant scope before doing anything. */
export function scoped<A extends unknown[], R>(fn: (t: Tenant, ...args: A) => R): (t: Tenant, ...args: A) => R {
  return (t, ...args) => {
    assertTenant(t);
    return fn(t, ...args);
  };
}
