// zod schemas of the JSON the Worker keeps in D1 columns: the Drizzle columns take their types from
// here, and reads of rows an older version may have written are checked with them (tolerantly).
import { z } from "zod";
import { AUDIT_LEVELS } from "../db/schema";
import { importStartRequestSchema } from "./admin";
import { amoCustomFieldSchema, amoPipelineSchema, amoRawUserSchema, amoTaskTypeSchema, amoUserSchema } from "./amocrm";
import { lptProjectSchemaSchema } from "./widget";

/** Optional and forgiving: a value of another shape (an older row's) reads as absent. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

// ---- imports.mapping: what the start request chose, and how contacts were looked up ----

export const lookupDecisionSchema = z.object({
  strategy: z.enum(["prefetch", "query", "none"]),
  /** Unique rows that needed a contact lookup. */
  rows: z.number(),
  /** Contact list pages read (prefetch, or the pages read before giving up on it). */
  pages: z.number(),
  contactsSeen: z.number(),
  /** Rows matched to an existing contact by the prefetched index. */
  matched: z.number(),
});

/** The start request's choices (contracts/admin.ts) as kept on the import, with what the parse job decided. */
export const importPlanSchema = importStartRequestSchema.pick({ kind: true, columns: true, sheet: true, headerRow: true }).extend({
  projectId: z.number().int().nullable(),
  /** How existing contacts were looked up (leads), decided by the parse job. */
  lookup: lenient(lookupDecisionSchema),
});

// ---- import_rows.data: one parsed row ----

export const normalizedImportRowSchema = z.object({
  /** E.164, the first number of the cell. */
  phone: z.string().nullable(),
  /** Every number the cell held ("8999…, 8916…"), E.164, `phone` first (an odd list: just `phone`). */
  phones: z.array(z.string()).catch([]),
  email: z.string().nullable(),
  name: z.string().nullable(),
  comment: z.string().nullable(),
  /** The result as written, for the note text. */
  result: z.string().nullable(),
  /** amoCRM call_status: 1 voicemail, 2 call back, 3 unavailable, 4 talked, 5 wrong number, 6 no answer, 7 busy, 8 other. */
  callStatus: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).nullable(),
  durationSec: z.number().nullable(),
  /** Unix seconds, UTC; dates without a zone were read as Moscow time. */
  dateUnix: z.number().nullable(),
  operator: z.string().nullable(),
  recordingUrl: z.string().nullable(),
}).transform((row) => (row.phones.length === 0 && row.phone !== null ? { ...row, phones: [row.phone] } : row));

export const followUpSchema = z.object({
  leadId: z.number().int(),
  notes: z.array(z.string()),
  tasks: z.array(z.object({ text: z.string(), taskTypeId: z.number().int(), dueInHours: z.number(), responsibleUserId: z.number().int().optional() })),
});

/**
 * A row's stored data. Each part reads on its own: a row whose normalised fields do not read any
 * more is a row without data (the chunk refuses it as such), and lost cells give an empty report row.
 */
export const storedRowSchema = z.object({
  /** The row's cells as read, for the error report and the `column:<header>` facts. */
  values: z.array(z.unknown()).catch([]),
  row: lenient(normalizedImportRowSchema),
  /** Stable id of an imported call: the same call in two files is one call. */
  callId: lenient(z.string()),
  /** Notes and tasks owed to a created lead, kept until they are posted. */
  followUp: lenient(followUpSchema),
});

// ---- R2 `contact-index` object of an import: its people found among amoCRM's contacts ----

/** E.164 phone / e-mail → amoCRM contact id, as the parse job stored it for the chunks. */
export const storedContactIndexSchema = z.object({
  byPhone: z.array(z.tuple([z.string(), z.number().int()])),
  byEmail: z.array(z.tuple([z.string(), z.number().int()])),
});

// ---- audit_log.data: free details per action (the audit text's code among them) ----

export const auditDataSchema = z.record(z.string(), z.unknown());

/** An audit entry as a sync job notes it before its final batch (also kept in the event's journal). */
export const auditEntrySchema = z.object({
  level: z.enum(AUDIT_LEVELS).optional(),
  source: z.string(),
  action: z.string(),
  message: z.string(),
  entityType: z.string().optional(),
  entityId: z.union([z.string(), z.number()]).optional(),
  eventId: z.number().int().optional(),
  actor: z.string().optional(),
  data: auditDataSchema.optional(),
  requestId: z.string().optional(),
});

// ---- events.progress: the sync job's journal of amoCRM writes not to repeat on a retry ----

const unsortedStateSchema = z.enum(["pending", "accepted", "declined"]);

/** What a lead link remembers of its incoming lead (`links.meta.unsorted`). */
export const linkUnsortedSchema = z.object({
  uid: z.string(),
  state: unsortedStateSchema,
  /** The lead amoCRM made with the entry; after an accept, the lead it was accepted into. */
  leadId: z.string(),
});

/** The amoCRM writes of one LPTracker lead (sync/run/lpt-to-amo.ts), journaled once made. */
export const amoWriteSchema = z.object({
  amoLeadId: z.string(),
  amoContactId: z.string().nullable(),
  amoStatus: z.object({ pipelineId: z.number(), statusId: z.number() }).nullable(),
  attached: z.boolean(),
  unsorted: linkUnsortedSchema.optional(),
  declined: z.boolean().optional(),
  once: z.boolean(),
});

export const eventProgressSchema = z.object({
  amo: z.object({ result: amoWriteSchema, noted: z.array(auditEntrySchema) }).optional(),
  /** Calls already in amoCRM: call id → amoCRM call id (null: posted as a note). */
  calls: z.record(z.string(), z.string().nullable()).optional(),
});

// ---- links.meta: what each side last wrote (echo detection) and what the card shows ----

/** A placement one side wrote or saw (`at`: when). */
export const amoPlacementSchema = z.object({ pipelineId: z.number().nullish(), statusId: z.number().nullish(), at: z.number().optional() });

/** A fact's value as the rules see it (sync/types.ts FactValue). */
const factValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))]);

/**
 * Every part optional and read on its own, a part of another shape as absent (what the readers did by
 * hand); keys this list does not name are kept as they are. `facts` and `snapshot` belong to the sync.
 */
export const linkMetaSchema = z.looseObject({
  /** The lead's facts as last synced (sync/rules/facts.ts). */
  facts: lenient(z.record(z.string(), factValueSchema.optional())),
  /** What the card shows of the LPTracker lead (sync/run/lpt-to-amo.ts LeadSnapshot). */
  snapshot: z.unknown().optional(),
  /** The LPTracker stage the lead is in as far as we know, and the one we last moved it to. */
  lptStage: lenient(z.number().nullable()),
  lptWroteStage: lenient(z.number().nullable()),
  /** When LPTracker last changed the lead (its callback's time), to drop older callbacks. */
  lptAt: lenient(z.number()),
  amoWrote: lenient(amoPlacementSchema),
  amoRuleWrote: lenient(amoPlacementSchema),
  amoSeen: lenient(amoPlacementSchema),
  /** The LPTracker lead was attached to an existing amoCRM lead (a repeat request). */
  attached: lenient(z.boolean()),
  unsorted: lenient(linkUnsortedSchema),
  /** The amoCRM user who linked the card by hand. */
  linkedBy: lenient(z.number()),
  pushedFromAmo: lenient(z.boolean()),
});

// ---- amo_user_rights.rights: the user as amoCRM answered it; amocrm/rights-model.ts reads the rights ----

/** Any amoCRM user object with its id, every other key kept as it came (rights, role, groups). */
export const storedAmoUserSchema = amoRawUserSchema.pick({ id: true });

// ---- metadata_cache.data: one shape per kind ----

/** The account's time zone as amoCRM's datetime_settings gave it (imports/zone.ts). */
export const accountZoneSchema = z.object({ timezone: z.string() });
export const userGroupsSchema = z.array(z.object({ id: z.number().int(), name: z.string() }));

/** The cache's kinds and their shapes; `lpt_project:<id>` rows hold an LPTracker project's schema. */
export const METADATA_KINDS = {
  pipelines: z.array(amoPipelineSchema),
  lead_fields: z.array(amoCustomFieldSchema),
  contact_fields: z.array(amoCustomFieldSchema),
  users: z.array(amoUserSchema),
  task_types: z.array(amoTaskTypeSchema),
  user_groups: userGroupsSchema,
  datetime_settings: accountZoneSchema,
  lpt_project: lptProjectSchemaSchema,
} as const;

export type MetadataData = z.output<(typeof METADATA_KINDS)[keyof typeof METADATA_KINDS]>;

export type ImportPlan = z.output<typeof importPlanSchema>;
export type LookupDecision = z.output<typeof lookupDecisionSchema>;
export type StoredRow = z.output<typeof storedRowSchema>;
export type FollowUp = z.output<typeof followUpSchema>;
export type NormalizedImportRow = z.output<typeof normalizedImportRowSchema>;
export type AuditData = z.output<typeof auditDataSchema>;
export type EventProgress = z.output<typeof eventProgressSchema>;
export type LinkMeta = z.output<typeof linkMetaSchema>;
export type AmoPlacement = z.output<typeof amoPlacementSchema>;
export type LinkUnsorted = z.output<typeof linkUnsortedSchema>;
export type AmoWrite = z.output<typeof amoWriteSchema>;
export type AuditEntry = z.output<typeof auditEntrySchema>;
export type StoredContactIndex = z.output<typeof storedContactIndexSchema>;
export type StoredAmoUser = z.output<typeof storedAmoUserSchema>;
