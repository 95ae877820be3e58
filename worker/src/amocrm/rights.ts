// Which amoCRM leads and contacts a widget user may see: the user's rights and group come from
// amoCRM (GET /api/v4/users/{id}?with=role,group with the account's admin token), cached in D1 for
// a few minutes and refreshed with the metadata; the entity's responsible user is read from amoCRM.
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Env } from "../env";
import { amoUserRights, metadataCache } from "../db/schema";
import { scoped, type Tenant } from "../db/tenant";
import { Problem, problemOf } from "../lib/problem";
import type { ErrorCode } from "../lib/errors";
import { logWarn } from "../lib/log";
import { errorText } from "../lib/error-text";
import { AmoClient, AmoError } from "./client";
import { amoUserRightsAnswerSchema } from "../contracts/amocrm";
import { levelFor, may, parseUserRights, type Action, type EntityFacts, type ViewerRights } from "./rights-model";
import { storedAmoUserSchema } from "../contracts/stored";

/** How long a user's rights are trusted before amoCRM is asked again. */
export const RIGHTS_TTL_MS = 5 * 60 * 1000;
/** When amoCRM is briefly unreachable, rights this fresh still decide (never after a 403). */
export const RIGHTS_STALE_LIMIT_MS = 60 * 60 * 1000;
export const USER_GROUPS_KIND = "user_groups";

export type RefusalReason = "no_view_right" | "rights_unavailable";

const REFUSALS: Record<RefusalReason, (entity: "leads" | "contacts") => ErrorCode> = {
  no_view_right: (e) => (e === "leads" ? "card_lead_hidden" : "card_contact_hidden"),
  rights_unavailable: () => "card_rights_unavailable",
};

export function refusal(reason: RefusalReason, entity: "leads" | "contacts"): Problem {
  return problemOf(REFUSALS[reason](entity), {}, { reason });
}

interface RightsRow {
  userId: number;
  isAdmin: boolean;
  groupId: number | null;
  rights: unknown;
  fetchedAt: number;
}

const readRows = scoped(async (t: Tenant, userIds: number[]): Promise<RightsRow[]> => {
  if (!userIds.length) return [];
  return t.db
    .select({ userId: amoUserRights.userId, isAdmin: amoUserRights.isAdmin, groupId: amoUserRights.groupId, rights: amoUserRights.rights, fetchedAt: amoUserRights.fetchedAt })
    .from(amoUserRights)
    .where(and(eq(amoUserRights.accountId, t.accountId), inArray(amoUserRights.userId, userIds)));
});

/** Caches users as amoCRM described them (the raw user objects, so the parser decides on reading). */
export const storeUserRights = scoped(async (t: Tenant, users: unknown[], now: number = Date.now()) => {
  const rows = users.flatMap((raw) => {
    const parsed = parseUserRights(raw);
    const stored = storedAmoUserSchema.safeParse(raw);
    return parsed && stored.success ? [{ accountId: t.accountId, userId: parsed.userId, isAdmin: parsed.isAdmin, groupId: parsed.groupId, rights: stored.data, fetchedAt: now }] : [];
  });
  for (const row of rows) {
    await t.db
      .insert(amoUserRights)
      .values(row)
      .onConflictDoUpdate({ target: [amoUserRights.accountId, amoUserRights.userId], set: { isAdmin: row.isAdmin, groupId: row.groupId, rights: row.rights, fetchedAt: row.fetchedAt } });
  }
});

/** Forgets a user's cached rights: amoCRM refused to tell us, so the old answer must not decide. */
const dropUserRights = scoped(async (t: Tenant, userId: number) => {
  await t.db.delete(amoUserRights).where(and(eq(amoUserRights.accountId, t.accountId), eq(amoUserRights.userId, userId)));
});

/** The account's user groups as refreshMetadata cached them; an item in another shape has no id. */
const cachedGroupsSchema = z.array(z.looseObject({ id: z.unknown() }).catch({ id: undefined }));

async function knownGroups(t: Tenant): Promise<Set<number> | undefined> {
  const row = await t.db
    .select({ data: metadataCache.data })
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, USER_GROUPS_KIND)))
    .get();
  const list = cachedGroupsSchema.safeParse(row?.data).data;
  return list ? new Set(list.map((g) => Number(g.id)).filter((id) => Number.isSafeInteger(id))) : undefined;
}

type Lookup = { ok: true; viewer: ViewerRights } | { ok: false };

/** One user's rights: from the cache while fresh, else from amoCRM; a refusal or an unknown user is `{ok: false}`. */
async function lookupUser(env: Env, t: Tenant, userId: number, groups: Set<number> | undefined, now: number): Promise<Lookup> {
  const [row] = await readRows(t, [userId]);
  const cached = row ? parseUserRights(row.rights, groups) : null;
  if (cached && now - row!.fetchedAt < RIGHTS_TTL_MS) return { ok: true, viewer: cached };
  try {
    const raw = await new AmoClient(env, t.accountId).read(amoUserRightsAnswerSchema, `/api/v4/users/${userId}`, { with: "role,group" });
    const viewer = raw ? parseUserRights(raw, groups) : null;
    if (!viewer || viewer.userId !== userId) {
      await dropUserRights(t, userId);
      return { ok: false };
    }
    await storeUserRights(t, [raw], now);
    return { ok: true, viewer };
  } catch (err) {
    // A 403 means amoCRM will not tell us (not an admin token, or user methods closed to integrations).
    if (err instanceof AmoError && err.kind === "http" && err.status !== undefined && err.status < 500) {
      logWarn("amoCRM refused to describe a user; treating them as having no rights", { accountId: t.accountId, userId, status: err.status });
      await dropUserRights(t, userId);
      return { ok: false };
    }
    if (cached && now - row!.fetchedAt < RIGHTS_STALE_LIMIT_MS) return { ok: true, viewer: cached };
    logWarn("amoCRM rights lookup failed", { accountId: t.accountId, userId, error: errorText(err) });
    return { ok: false };
  }
}

/** Everything one card request needs to decide: the viewer and the groups of the entities' responsible users. */
export class RightsCheck {
  private groups: Map<number, number | null>;

  private constructor(
    readonly viewer: ViewerRights,
    private env: Env,
    private t: Tenant,
    private knownGroups: Set<number> | undefined,
    private now: number,
  ) {
    this.groups = new Map([[viewer.userId, viewer.groupId]]);
  }

  /** The viewer's rights, or null when amoCRM gives none (the caller refuses). */
  static async forUser(env: Env, t: Tenant, userId: number, now: number = Date.now()): Promise<RightsCheck | null> {
    const groups = await knownGroups(t);
    const found = await lookupUser(env, t, userId, groups, now);
    return found.ok ? new RightsCheck(found.viewer, env, t, groups, now) : null;
  }

  /** Loads the groups of responsible users, needed only where the viewer's level is G. */
  async prepare(entities: EntityFacts[], actions: Action[]): Promise<void> {
    if (this.viewer.isAdmin) return;
    const needed = new Set<number>();
    for (const e of entities) {
      const r = e.responsibleUserId;
      if (r === null || r === this.viewer.userId || this.groups.has(r)) continue;
      if (actions.some((a) => levelFor(this.viewer, a, e) === "G")) needed.add(r);
    }
    if (!needed.size) return;
    for (const row of await readRows(this.t, [...needed])) {
      const parsed = this.now - row.fetchedAt < RIGHTS_TTL_MS ? parseUserRights(row.rights, this.knownGroups) : null;
      if (!parsed) continue;
      this.groups.set(row.userId, parsed.groupId);
      needed.delete(row.userId);
    }
    for (const userId of needed) {
      const found = await lookupUser(this.env, this.t, userId, this.knownGroups, this.now);
      this.groups.set(userId, found.ok ? found.viewer.groupId : null);
    }
  }

  may(action: Action, entity: EntityFacts): boolean {
    return may(this.viewer, action, entity, (id) => this.groups.get(id) ?? null);
  }
}
