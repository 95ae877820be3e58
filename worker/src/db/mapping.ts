// Tenant rows of field mappings and stage maps per LPTracker project.
import { and, eq } from "drizzle-orm";
import { fieldMappings, stageMaps } from "./schema";
import { scoped, type Tenant } from "./tenant";
import type { MappingRow, StageMapEntry } from "../sync/types";

export const getSavedMapping = scoped(async (t: Tenant, projectId: number): Promise<{ rows: MappingRow[]; updatedAt: number } | null> => {
  const rows = await t.db
    .select()
    .from(fieldMappings)
    .where(and(eq(fieldMappings.accountId, t.accountId), eq(fieldMappings.projectId, projectId)))
    .limit(1);
  const row = rows[0];
  return row ? { rows: row.rows, updatedAt: row.updatedAt } : null;
});

export const getStageMap = scoped(async (t: Tenant, projectId: number): Promise<StageMapEntry[]> => {
  const rows = await t.db.select().from(stageMaps).where(and(eq(stageMaps.accountId, t.accountId), eq(stageMaps.projectId, projectId)));
  return rows.map((r) => ({ lptStageId: r.lptStageId, amoPipelineId: r.amoPipelineId, amoStatusId: r.amoStatusId, direction: r.direction }));
});

/** Saves the mapping and the stage map of a project in one batch. */
export const saveMapping = scoped(async (t: Tenant, projectId: number, rows: MappingRow[], stageMap: StageMapEntry[], userId: number | null) => {
  const now = Date.now();
  await t.db.batch([
    t.db
      .insert(fieldMappings)
      .values({ accountId: t.accountId, projectId, rows, updatedBy: userId })
      .onConflictDoUpdate({ target: [fieldMappings.accountId, fieldMappings.projectId], set: { rows, updatedBy: userId, updatedAt: now } }),
    t.db.delete(stageMaps).where(and(eq(stageMaps.accountId, t.accountId), eq(stageMaps.projectId, projectId))),
    ...stageMap.map((s) =>
      t.db.insert(stageMaps).values({ accountId: t.accountId, projectId, lptStageId: s.lptStageId, amoPipelineId: s.amoPipelineId, amoStatusId: s.amoStatusId, direction: s.direction }),
    ),
  ]);
});
