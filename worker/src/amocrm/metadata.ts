// The account's metadata (pipelines with statuses, lead and contact custom fields with enums,
// users, task types), fetched from amoCRM page by page and cached in D1 for pickers and mapping.
import { eq } from "drizzle-orm";
import type { Env } from "../env";
import { metadataCache } from "../db/schema";
import { scoped, type Tenant } from "../db/tenant";
import type { AmoCustomField, AmoMetadata, AmoPipeline, AmoTaskType, AmoUser } from "../sync/types";
import { AmoClient } from "./client";

interface RawPipeline {
  id: number;
  name: string;
  sort: number;
  is_main: boolean;
  _embedded?: { statuses?: { id: number; name: string; sort: number; color?: string; type?: number }[] };
}

interface RawField {
  id: number;
  name: string;
  code?: string | null;
  type: string;
  sort?: number;
  enums?: { id: number; value: string; sort?: number }[] | null;
}

export interface AmoAccountInfo {
  id: number;
  name: string;
  subdomain: string;
  country?: string;
  currency?: string;
  current_user_id?: number;
  _embedded?: { task_types?: { id: number; name: string; code?: string | null }[] };
}

function toField(f: RawField): AmoCustomField {
  return {
    id: f.id,
    name: f.name,
    code: f.code ?? null,
    type: f.type,
    sort: f.sort,
    enums: f.enums ? f.enums.map((e) => ({ id: e.id, value: e.value, sort: e.sort, code: (e as { code?: string }).code ?? e.value })) : null,
  };
}

export async function fetchMetadata(client: AmoClient): Promise<{ account: AmoAccountInfo | null; meta: Omit<AmoMetadata, "fetchedAt"> }> {
  const account = await client.get<AmoAccountInfo>("/api/v4/account", { with: "task_types" });
  const pipelinesBody = await client.get<{ _embedded?: { pipelines?: RawPipeline[] } }>("/api/v4/leads/pipelines");
  const pipelines: AmoPipeline[] = (pipelinesBody?._embedded?.pipelines ?? []).map((p) => ({
    id: p.id,
    name: p.name,
    sort: p.sort,
    is_main: p.is_main,
    statuses: (p._embedded?.statuses ?? []).map((s) => ({ id: s.id, name: s.name, sort: s.sort, color: s.color, type: s.type })),
  }));
  const leadFields = (await client.list<RawField>("/api/v4/leads/custom_fields", "custom_fields")).map(toField);
  const contactFields = (await client.list<RawField>("/api/v4/contacts/custom_fields", "custom_fields")).map(toField);
  const users: AmoUser[] = (await client.list<{ id: number; name: string; email?: string; rights?: { is_admin?: boolean } }>("/api/v4/users", "users")).map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    is_admin: u.rights?.is_admin ?? false,
  }));
  const taskTypes: AmoTaskType[] = account?._embedded?.task_types?.map((t) => ({ id: t.id, name: t.name, code: t.code ?? null })) ?? [
    { id: 1, name: "Связаться", code: "FOLLOW_UP" },
    { id: 2, name: "Встреча", code: "MEETING" },
  ];
  return { account, meta: { pipelines, leadFields, contactFields, users, taskTypes } };
}

const KINDS = { pipelines: "pipelines", leadFields: "lead_fields", contactFields: "contact_fields", users: "users", taskTypes: "task_types" } as const;

export const storeMetadata = scoped(async (t: Tenant, meta: Omit<AmoMetadata, "fetchedAt">, now: number = Date.now()) => {
  const writes = (Object.keys(KINDS) as (keyof typeof KINDS)[]).map((key) =>
    t.db
      .insert(metadataCache)
      .values({ accountId: t.accountId, kind: KINDS[key], data: meta[key], fetchedAt: now })
      .onConflictDoUpdate({ target: [metadataCache.accountId, metadataCache.kind], set: { data: meta[key], fetchedAt: now } }),
  );
  await t.db.batch(writes as [(typeof writes)[number], ...(typeof writes)[number][]]);
});

export const getMetadata = scoped(async (t: Tenant): Promise<AmoMetadata> => {
  const rows = await t.db.select().from(metadataCache).where(eq(metadataCache.accountId, t.accountId));
  const byKind = new Map(rows.map((r) => [r.kind, r]));
  const pick = <T>(kind: string): T[] => (byKind.get(kind)?.data as T[] | undefined) ?? [];
  const times = rows.map((r) => r.fetchedAt);
  return {
    pipelines: pick<AmoPipeline>(KINDS.pipelines),
    leadFields: pick<AmoCustomField>(KINDS.leadFields),
    contactFields: pick<AmoCustomField>(KINDS.contactFields),
    users: pick<AmoUser>(KINDS.users),
    taskTypes: pick<AmoTaskType>(KINDS.taskTypes),
    fetchedAt: times.length ? Math.min(...times) : null,
  };
});

/** Fetches every page of the account's metadata and caches it. */
export async function refreshMetadata(env: Env, t: Tenant): Promise<AmoMetadata> {
  const { meta } = await fetchMetadata(new AmoClient(env, t.accountId));
  const now = Date.now();
  await storeMetadata(t, meta, now);
  return { ...meta, fetchedAt: now };
}
