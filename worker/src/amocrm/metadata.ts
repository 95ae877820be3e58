// The account's metadata (pipelines with statuses, lead and contact custom fields with enums,
// users, task types), fetched from amoCRM page by page and cached in D1 for pickers and mapping.
import { eq } from "drizzle-orm";
import type { Env } from "../env";
import { metadataCache } from "../db/schema";
import { scoped, type Tenant } from "../db/tenant";
import type { AmoCustomField, AmoMetadata, AmoPipeline, AmoTaskType, AmoUser } from "../sync/types";
import { z } from "zod";
import {
  amoAccountInfoSchema,
  amoCustomFieldSchema,
  amoPipelineSchema,
  amoPipelinesAnswerSchema,
  amoRawFieldSchema,
  amoRawUserSchema,
  amoTaskTypeSchema,
  amoUserSchema,
  type AmoAccountInfo,
  type AmoRawField,
  type AmoRawUser,
} from "../contracts/amocrm";
import { AmoClient, AmoError } from "./client";
import { storeUserRights, USER_GROUPS_KIND } from "./rights";

/** What GET /api/v4/account answers (contracts/amocrm.ts). */
export type { AmoAccountInfo };

function toField(f: AmoRawField): AmoCustomField {
  return {
    id: f.id,
    name: f.name,
    code: f.code ?? null,
    type: f.type,
    sort: f.sort,
    enums: f.enums ? f.enums.map((e) => ({ id: e.id, value: e.value, sort: e.sort, code: e.code ?? e.value })) : null,
  };
}

/** Users as amoCRM lists them, rights included; a 403 (users methods are for admins only) gives none. */
async function listUsers(client: AmoClient): Promise<AmoRawUser[] | null> {
  try {
    return await client.list("/api/v4/users", "users", amoRawUserSchema);
  } catch (err) {
    if (err instanceof AmoError && err.kind === "http" && err.status === 403) return null;
    throw err;
  }
}

export async function fetchMetadata(client: AmoClient): Promise<{
  account: AmoAccountInfo | null;
  meta: Omit<AmoMetadata, "fetchedAt">;
  /** The users with their rights (null when amoCRM refused to list them) and the account's user groups. */
  people: { users: AmoRawUser[] | null; groups: { id: number; name: string }[] };
}> {
  const account = await client.read(amoAccountInfoSchema, "/api/v4/account", { with: "task_types,users_groups" });
  const pipelinesBody = await client.read(amoPipelinesAnswerSchema, "/api/v4/leads/pipelines");
  const pipelines: AmoPipeline[] = (pipelinesBody?._embedded?.pipelines ?? []).map((p) => ({
    id: p.id,
    name: p.name,
    sort: p.sort,
    is_main: p.is_main,
    statuses: (p._embedded?.statuses ?? []).map((s) => ({ id: s.id, name: s.name, sort: s.sort, color: s.color, type: s.type })),
  }));
  const leadFields = (await client.list("/api/v4/leads/custom_fields", "custom_fields", amoRawFieldSchema)).map(toField);
  const contactFields = (await client.list("/api/v4/contacts/custom_fields", "custom_fields", amoRawFieldSchema)).map(toField);
  const rawUsers = await listUsers(client);
  const users: AmoUser[] = (rawUsers ?? []).map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    is_admin: u.rights?.is_admin ?? false,
  }));
  const taskTypes: AmoTaskType[] = account?._embedded?.task_types?.map((t) => ({ id: t.id, name: t.name, code: t.code ?? null })) ?? [
    { id: 1, name: "Связаться", code: "FOLLOW_UP" },
    { id: 2, name: "Встреча", code: "MEETING" },
  ];
  const groups = (account?._embedded?.users_groups ?? []).map((g) => ({ id: g.id, name: g.name }));
  return { account, meta: { pipelines, leadFields, contactFields, users, taskTypes }, people: { users: rawUsers, groups } };
}

const KINDS = { pipelines: "pipelines", leadFields: "lead_fields", contactFields: "contact_fields", users: "users", taskTypes: "task_types" } as const;

export const storeMetadata = scoped(async (t: Tenant, meta: Omit<AmoMetadata, "fetchedAt">, now: number = Date.now()) => {
  const write = (key: keyof typeof KINDS) =>
    t.db
      .insert(metadataCache)
      .values({ accountId: t.accountId, kind: KINDS[key], data: meta[key], fetchedAt: now })
      .onConflictDoUpdate({ target: [metadataCache.accountId, metadataCache.kind], set: { data: meta[key], fetchedAt: now } });
  await t.db.batch([write("pipelines"), write("leadFields"), write("contactFields"), write("users"), write("taskTypes")]);
});

export const getMetadata = scoped(async (t: Tenant): Promise<AmoMetadata> => {
  const rows = await t.db.select().from(metadataCache).where(eq(metadataCache.accountId, t.accountId));
  const byKind = new Map(rows.map((r) => [r.kind, r]));
  // The cache holds what storeMetadata wrote; a part in another shape (or missing) reads as empty
  // and marks the whole as never fetched, so the next sync refreshes it from amoCRM.
  let intact = true;
  const pick = <S extends z.ZodType>(kind: string, item: S): z.output<S>[] => {
    const row = byKind.get(kind);
    const parsed = z.array(item).safeParse(row?.data ?? []);
    if (!parsed.success) intact = false;
    return parsed.data ?? [];
  };
  const times = rows.map((r) => r.fetchedAt);
  const meta = {
    pipelines: pick(KINDS.pipelines, amoPipelineSchema),
    leadFields: pick(KINDS.leadFields, amoCustomFieldSchema),
    contactFields: pick(KINDS.contactFields, amoCustomFieldSchema),
    users: pick(KINDS.users, amoUserSchema),
    taskTypes: pick(KINDS.taskTypes, amoTaskTypeSchema),
  };
  return { ...meta, fetchedAt: intact && times.length ? Math.min(...times) : null };
});

/** Fetches every page of the account's metadata and caches it. */
export async function refreshMetadata(env: Env, t: Tenant): Promise<AmoMetadata> {
  const { meta, people } = await fetchMetadata(new AmoClient(env, t.accountId));
  const now = Date.now();
  await storeMetadata(t, meta, now);
  // Rights and groups ride along, so the card's checks rarely need to ask amoCRM themselves.
  await t.db
    .insert(metadataCache)
    .values({ accountId: t.accountId, kind: USER_GROUPS_KIND, data: people.groups, fetchedAt: now })
    .onConflictDoUpdate({ target: [metadataCache.accountId, metadataCache.kind], set: { data: people.groups, fetchedAt: now } });
  if (people.users) await storeUserRights(t, people.users, now);
  return { ...meta, fetchedAt: now };
}
