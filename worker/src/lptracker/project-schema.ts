// The LPTracker side of a project (stages, lead custom fields, contact fields), cached in D1 for an
// hour so that a sync job does not spend the 2 req/s LPTracker budget on it every time.
import { and, eq } from "drizzle-orm";
import type { Env } from "../env";
import { metadataCache } from "../db/schema";
import type { Tenant } from "../db/tenant";
import { LptClient } from "./client";
import type { LptProjectSchema } from "../api-types";
import { lptProjectSchemaSchema } from "../contracts/widget";

const TTL_MS = 60 * 60 * 1000;

export async function lptProjectSchema(env: Env, t: Tenant, projectId: number, opts: { fresh?: boolean } = {}): Promise<LptProjectSchema> {
  const kind = `lpt_project:${projectId}`;
  if (!opts.fresh) {
    const rows = await t.db
      .select()
      .from(metadataCache)
      .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, kind)))
      .limit(1);
    const hit = rows[0];
    // A cached copy in another shape is read again from LPTracker, like a stale one.
    const cached = hit && Date.now() - hit.fetchedAt < TTL_MS ? lptProjectSchemaSchema.safeParse(hit.data) : null;
    if (cached?.success) return cached.data;
  }
  const client = new LptClient(env, t.accountId);
  const [stages, customs, contactFields, staff] = await Promise.all([client.funnel(projectId), client.customs(projectId), client.contactFields(projectId), client.staff().catch(() => [])]);
  const schema: LptProjectSchema = {
    projectId,
    stages: stages.map((s) => ({ id: Number(s.id), name: String(s.name) })),
    customs: customs.map((c) => ({
      id: Number(c.id),
      name: String(c.name),
      type: String(c.type),
      options: (c.categories ?? []).map((o) => String(o.name ?? o.category ?? "")).filter(Boolean),
    })),
    contactFields: contactFields.map((f) => ({ id: Number(f.id), name: String(f.name), type: String(f.type) })),
    staff: staff.map((m) => ({ id: Number(m.id), name: String(m.name) })),
  };
  const now = Date.now();
  await t.db
    .insert(metadataCache)
    .values({ accountId: t.accountId, kind, data: schema, fetchedAt: now })
    .onConflictDoUpdate({ target: [metadataCache.accountId, metadataCache.kind], set: { data: schema, fetchedAt: now } });
  return schema;
}
