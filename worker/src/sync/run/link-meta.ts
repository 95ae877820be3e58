// Reads of a link's meta parts (the column is checked part by part in db/links.ts against
// contracts/stored.ts): the card's snapshot, which it shows field by field, is checked here.
import { z } from "zod";
import type { AmoPlacement, LinkMeta } from "../../contracts/stored";
import type { Facts } from "../types";

type Meta = Pick<LinkMeta, "facts" | "snapshot" | "amoWrote" | "amoRuleWrote" | "amoSeen">;

const fieldsSchema = z.record(z.string(), z.unknown());

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
  return meta.facts;
}

/** The amoCRM status a side last wrote (`amoWrote`, `amoRuleWrote`) or saw (`amoSeen`), and when. */
export function metaAmoMark(meta: Meta, key: "amoWrote" | "amoRuleWrote" | "amoSeen"): AmoPlacement {
  return meta[key] ?? {};
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
