// Typed reads of a link's meta, the JSON column each sync direction writes its own parts to: every
// part is checked when read, and a part in another shape reads as absent, never as a wrong value.
import { z } from "zod";
import type { Facts } from "../types";

type Meta = Record<string, unknown>;

const factValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))]);
const factsSchema = z.record(z.string(), factValueSchema);
const fieldsSchema = z.record(z.string(), z.unknown());

/** The amoCRM status a side last wrote (`amoWrote`, `amoRuleWrote`) or saw (`amoSeen`), and when. */
const amoMarkSchema = z.looseObject({ pipelineId: z.number().optional(), statusId: z.number().optional(), at: z.number().optional() });
export type AmoMark = z.infer<typeof amoMarkSchema>;

/** What the card shows of a linked LPTracker lead: the lead as the last sync saw it. */
export const leadSnapshotSchema = z.object({
  name: z.string().nullable(),
  projectId: z.number().nullable(),
  projectName: z.string().nullable(),
  stage: z.object({ id: z.number().nullable(), name: z.string().nullable() }),
  view: z.record(z.string(), z.string().nullable()),
  createdAt: z.number().nullable(),
  fields: z.array(z.object({ label: z.string(), value: z.string() })),
  syncedAt: z.number(),
});
export type LeadSnapshot = z.infer<typeof leadSnapshotSchema>;

/** The facts the last sync of the lead saw (the rules' "previous" values). */
export function metaFacts(meta: Meta): Facts | undefined {
  return factsSchema.safeParse(meta.facts).data;
}

export function metaAmoMark(meta: Meta, key: "amoWrote" | "amoRuleWrote" | "amoSeen"): AmoMark {
  return amoMarkSchema.safeParse(meta[key]).data ?? {};
}

export function metaSnapshot(meta: Meta): LeadSnapshot | undefined {
  return leadSnapshotSchema.safeParse(meta.snapshot).data;
}

/** The snapshot field by field, for a card that shows what is there: a malformed field is left out. */
export function metaSnapshotParts(meta: Meta): Partial<LeadSnapshot> {
  const raw = fieldsSchema.safeParse(meta.snapshot).data ?? {};
  const out: Partial<LeadSnapshot> = {};
  for (const key of leadSnapshotSchema.keyof().options) {
    const field = leadSnapshotSchema.shape[key].safeParse(raw[key]);
    if (field.success && raw[key] !== undefined) Object.assign(out, { [key]: field.data });
  }
  return out;
}

/** The stored snapshot as an object to extend (any shape it has), or null when there is none. */
export function metaSnapshotObject(meta: Meta): Record<string, unknown> | null {
  return fieldsSchema.safeParse(meta.snapshot).data ?? null;
}
