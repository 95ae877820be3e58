// zod schemas of the admin page's API (/api/admin/*): what each route takes and answers. The routes
// validate requests with them; the admin page imports the inferred types.
import { z } from "zod";
import { ruleActionSchema, ruleGroupSchema, TRIGGERS } from "../sync/schemas";
import type { ConditionIssue } from "../sync/rules/rule-check";
import type { Facts, RulePlan, RuleStatus } from "../sync/types";
import type { RepeatDecision } from "../sync/plan/lead-policy";
import type { UnsortedDecision } from "../sync/plan/unsorted-decision";
import { AUDIT_LEVELS, CALL_SYNC_STATUSES, EVENT_SOURCES, EVENT_STATUSES, IMPORT_KINDS, IMPORT_STATUSES, QUOTA_KINDS, RULE_CHANGES } from "../db/schema";
import { IMPORT_COLUMNS, type ImportColumn } from "../imports/types";
import { isTimeZone } from "../lib/time-zone";
import { callViewSchema, installStatusSchema, textRefSchema, lptConnectionResponseSchema, lptProjectSchemaSchema } from "./widget";

const id = z.number().int();
const when = z.number().nullable();
const page = {
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
};
const timeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, { error: "Unknown time zone: send an IANA name such as Europe/Moscow" })
  .default("Europe/Moscow");
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `at most ${max} characters` })
    .transform((s) => s || undefined)
    .optional();

/** GET /api/admin/session */
export const adminSessionResponseSchema = z.object({
  account_id: id,
  /** Null while the install is still being finished. */
  subdomain: z.string().nullable(),
  user_id: id,
  user_name: z.string().nullable(),
  install_status: installStatusSchema,
  action: z.string().optional(),
  actionText: textRefSchema.optional(),
});

// ---- events and audit ----

export const eventViewSchema = z.object({
  id,
  source: z.enum(EVENT_SOURCES),
  action: z.string(),
  status: z.enum(EVENT_STATUSES),
  projectId: id.nullable(),
  externalId: z.string().nullable(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  /** `error`'s catalogue code and params (lib/errors.ts TEXTS): the admin page words it; null for free text. */
  errorText: textRefSchema.nullable(),
  receivedAt: z.number(),
  processedAt: when,
});

/** GET /api/admin/events?status&source&from&to&limit&offset; the body of POST /api/admin/events/replay. */
export const eventFilterSchema = z.object({
  status: z.enum(EVENT_STATUSES).optional(),
  source: z.enum(EVENT_SOURCES).optional(),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});
export const eventListResponseSchema = z.object({ items: z.array(eventViewSchema), total: z.number().int() });

export const auditViewSchema = z.object({
  id,
  at: z.number(),
  level: z.enum(AUDIT_LEVELS),
  source: z.string(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  eventId: id.nullable(),
  actor: z.string().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

/** GET /api/admin/events/:id → the event, its payload and its steps (audit rows). */
export const eventDetailResponseSchema = z.object({ event: eventViewSchema, payload: z.unknown(), steps: z.array(auditViewSchema) });

/** POST /api/admin/events/:id/replay; POST /api/admin/events/replay */
export const replayResponseSchema = z.object({ replayed: z.number().int(), eventIds: z.array(id) });

/** GET /api/admin/audit?level&source&entityType&entityId&from&to&q&limit&offset */
export const auditQuerySchema = z.object({
  level: z.enum(AUDIT_LEVELS, { error: "level must be info, warn or error" }).optional(),
  source: optionalText(40),
  entityType: optionalText(40),
  entityId: optionalText(100),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  q: optionalText(200),
  ...page,
});
export const auditListResponseSchema = z.object({ items: z.array(auditViewSchema), total: z.number().int() });

// ---- dashboard ----

export const statusCountsSchema = z.object({ received: z.number(), synced: z.number(), failed: z.number(), skipped: z.number() });
export const activityBucketSchema = z.object({ start: z.number(), synced: z.number(), failed: z.number(), skipped: z.number() });
/** `hook_rate`: webhooks refused with 429 over the per-URL rate; `rejected_bodies`: malformed bodies answered 400 but no longer kept. */
export const quotaHitSchema = z.object({ kind: z.enum(QUOTA_KINDS), windowStart: z.number(), refused: z.number(), lastAt: z.number() });

/** GET /api/admin/dashboard?tz=Europe/Moscow */
export const dashboardQuerySchema = z.object({ tz: timeZone });
export const dashboardResponseSchema = z.object({
  install: z.object({ status: installStatusSchema, subdomain: z.string(), domain: z.string(), reason: z.string().nullable() }),
  lptracker: lptConnectionResponseSchema,
  lastEventAt: when,
  counts: z.object({ today: statusCountsSchema, week: statusCountsSchema }),
  /** Sync activity: hourly buckets for the last 24 h and daily buckets for the last 14 days. */
  activity: z.object({ hourly: z.array(activityBucketSchema), daily: z.array(activityBucketSchema) }),
  latestFailures: z.array(eventViewSchema),
  /** Events kept for later: paused while the widget is switched off in amoCRM, parked while amoCRM's access is missing. */
  held: z.object({ widgetOff: z.boolean(), paused: z.number(), parked: z.number() }),
  /** Quotas this account's webhooks hit in the last 24 h (newest first); empty when none. */
  quotas: z.array(quotaHitSchema),
});

// ---- calls ----

const callFilterFields = {
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  result: z
    .string()
    .trim()
    .max(200)
    .transform((s) => s || undefined)
    .optional(),
  syncStatus: z.enum(CALL_SYNC_STATUSES, { error: "syncStatus must be pending, posted or failed" }).optional(),
  sort: z.enum(["startedAt", "duration"], { error: "sort must be startedAt or duration" }).optional(),
  dir: z.enum(["asc", "desc"], { error: "dir must be asc or desc" }).optional(),
};
/** GET /api/admin/calls?from&to&result&syncStatus&sort=startedAt|duration&dir=asc|desc&limit&offset */
export const callListQuerySchema = z.object({ ...callFilterFields, ...page });
/** GET /api/admin/calls/export.xlsx: the same filters, the sheet's language and time zone. */
export const callExportQuerySchema = z.object({ ...callFilterFields, lang: z.enum(["ru", "en"]).default("ru"), tz: timeZone });
export const callListResponseSchema = z.object({
  items: z.array(
    callViewSchema.extend({
      phone: z.string().nullable(),
      source: z.string(),
      lptLeadId: z.string().nullable(),
      amoLeadId: z.string().nullable(),
      comment: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  total: z.number().int(),
});
/** GET /api/admin/calls/results: the distinct call results, for the filter's picker. */
export const callResultsResponseSchema = z.object({ items: z.array(z.string()) });

/** GET /api/admin/lptracker: the connection plus each selected project's stages and fields, for the rule constructor. */
export const adminLptResponseSchema = lptConnectionResponseSchema.extend({
  schemas: z.array(lptProjectSchemaSchema),
  /** Projects whose schema could not be loaded right now, with the reason. */
  schemaErrors: z.array(z.object({ projectId: id, error: z.string() })),
});

// ---- rules ----
// GET/POST /api/admin/rules, PUT/DELETE /api/admin/rules/:id, POST /api/admin/rules/reorder,
// POST /api/admin/rules/dry-run, /rules/:id/dry-run, /rules/preview, GET /rules/:id/history,
// POST /rules/:id/restore, GET /rules/deleted. Rule bodies are sync/schemas.ts's ruleCreateSchema.

/** What the engine's trace and plan look like is the engine's business (sync/types.ts); the API passes them on. */
const conditionIssueSchema = z.custom<ConditionIssue>();
const factsSchema = z.custom<Facts>();
const rulePlanSchema = z.custom<RulePlan>();
const ruleStatusSchema = z.custom<RuleStatus>();

export const ruleInputSchema = z.object({ name: z.string(), enabled: z.boolean(), trigger: z.enum(TRIGGERS), conditions: ruleGroupSchema, actions: z.array(ruleActionSchema) });
export const ruleViewSchema = ruleInputSchema.extend({
  id,
  position: z.number().int(),
  version: z.number().int(),
  problems: z.array(z.string()).optional(),
  /** Set when the rule no longer validates: it skips itself (with an audit entry) until fixed. */
  issues: z.array(conditionIssueSchema).optional(),
});
export const ruleListResponseSchema = z.object({ items: z.array(ruleViewSchema) });

/** POST /api/admin/rules/reorder */
export const ruleReorderRequestSchema = z.object({ ids: z.array(z.number().int().positive()).max(500) });
/** POST /api/admin/rules/:id/restore */
export const ruleRestoreRequestSchema = z.object({ version: z.number({ error: "version must be a number" }).int().positive() });

export const dryRunSourceSchema = z.enum(["lptracker", "amocrm", "import"]);
const triggerField = z.enum(TRIGGERS, { error: `trigger must be one of ${TRIGGERS.join(", ")}` }).optional();
/** POST /api/admin/rules/dry-run and /rules/:id/dry-run: a stored event, an LPTracker lead, or a payload. */
export const dryRunRequestSchema = z.union([
  z.object({ eventId: z.number().int().positive(), trigger: triggerField }),
  z.object({ lptLeadId: z.number().int().positive(), trigger: triggerField }),
  z.object({
    trigger: triggerField,
    payload: z.record(z.string(), z.unknown()),
    source: z.enum(dryRunSourceSchema.options, { error: "source must be lptracker, amocrm or import" }).optional(),
    action: z.enum(["status", "update"], { error: 'action must be "status" or "update"' }).optional(),
  }),
]);

/** What the sync would write, in amoCRM's and LPTracker's terms. */
export const dryRunOutcomeSchema = z.object({
  /** The sync would stop here: a rule's skip, an unlinked amoCRM lead, an echo, a deleted lead… */
  stop: z.object({ kind: z.enum(["skip", "nothing"]), reason: z.string(), ruleId: id.optional() }).nullable(),
  amoLead: z
    .object({
      /**
       * attach: a repeat request added to the contact's open lead `id` (a note and a task);
       * unsorted: an entry in amoCRM's incoming leads of `pipelineId` instead of a lead;
       * unsorted_note: a note on the waiting entry's lead `id`, no second entry.
       */
      action: z.enum(["create", "update", "attach", "unsorted", "unsorted_note"]),
      id: id.optional(),
      name: z.string().optional(),
      /** Where it goes; null on an update that leaves the stage alone. */
      pipelineId: id.nullable(),
      statusId: id.nullable(),
      pipelineName: z.string().optional(),
      statusName: z.string().optional(),
      placementFrom: z.enum(["rule", "stage_map", "default", "unchanged"]),
      responsibleUserId: id.optional(),
      responsibleName: z.string().optional(),
      /** Tags the sync adds (existing tags are kept). */
      tags: z.array(z.string()),
      customFields: z.number().int(),
    })
    .nullable(),
  contact: z
    .object({
      action: z.enum(["linked", "found", "create", "search"]),
      id: id.optional(),
      by: z.enum(["phone", "email"]).optional(),
      name: z.string().optional(),
      phones: z.array(z.string()),
      emails: z.array(z.string()),
    })
    .nullable(),
  notes: z.array(z.object({ text: z.string(), ruleId: id })),
  tasks: z.array(
    z.object({ text: z.string(), taskTypeId: id, taskTypeName: z.string().optional(), dueInHours: z.number(), responsibleUserId: id.optional(), ruleId: id }),
  ),
  lptStage: z.object({ leadId: z.string(), stageId: id, from: z.enum(["rule", "stage_map"]), alreadyThere: z.boolean() }).nullable(),
  mappingProblems: z.array(z.string()),
  /** The project's repeat-request policy and what it decides for this lead (absent: not judged). */
  repeat: z.custom<RepeatDecision>().nullable().optional(),
  /** Where a new lead's responsible user comes from; for the round-robin, the user of the next slot. */
  assignment: z
    .object({ from: z.enum(["rule", "contact", "mapping", "fixed", "lpt_owner", "fallback", "round_robin", "none"]), userId: id.optional(), userName: z.string().optional() })
    .nullable()
    .optional(),
  /** How the project's incoming-leads setting («Неразобранное») applies to this lead (absent: off). */
  unsorted: z.custom<UnsortedDecision>().nullable().optional(),
});

export const dryRunResultSchema = z.object({
  source: dryRunSourceSchema,
  trigger: z.enum(TRIGGERS).nullable(),
  plan: rulePlanSchema,
  facts: factsSchema,
  outcome: dryRunOutcomeSchema,
  /** How the answer was reached: what was read, what could not be. */
  notes: z.array(z.string()),
  writes: z.literal(false),
});

export const previewChangeSchema = z.object({
  what: z.enum(["stop", "pipeline", "responsible", "tags", "notes", "tasks", "lpt_stage"]),
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export const previewItemSchema = z.object({
  eventId: id,
  source: z.enum(EVENT_SOURCES),
  action: z.string(),
  externalId: z.string().nullable(),
  receivedAt: z.number(),
  /** The unsaved rule's conditions hold for this event. */
  matched: z.boolean(),
  /** Its status in the chain with it: matched / not_matched / not_reached / disabled. */
  status: z.union([ruleStatusSchema, z.literal("not_evaluated")]),
  /** What the sync's result would change compared with the saved rules, one line each. */
  changes: z.array(previewChangeSchema),
});
/** POST /api/admin/rules/preview { rule, id? }: an unsaved rule on recent events. */
export const previewRequestSchema = z.object({
  rule: ruleInputSchema,
  /** The saved rule this one would replace; absent for a new rule (added at the end). */
  id: z.number().int().positive().optional(),
});
export const previewResponseSchema = z.object({
  /** Events looked at (at most 100, newest first). */
  total: z.number().int(),
  /** Events whose facts meet the rule's conditions. */
  matched: z.number().int(),
  /** Of those, events where the chain would reach the rule and run its actions. */
  applied: z.number().int(),
  /** Events where the sync's result would differ from the saved rules'. */
  changed: z.number().int(),
  items: z.array(previewItemSchema),
  writes: z.literal(false),
});

const ruleSnapshotSchema = ruleInputSchema.extend({ position: z.number().int() });
/** GET /api/admin/rules/:id/history; GET /api/admin/rules/deleted. */
export const ruleVersionViewSchema = z.object({
  ruleId: id,
  version: z.number().int(),
  change: z.enum(RULE_CHANGES),
  actor: z.string().nullable(),
  at: z.number(),
  before: ruleSnapshotSchema.nullable(),
  after: ruleSnapshotSchema.nullable(),
  note: z.string().nullable(),
});
export const ruleHistoryResponseSchema = z.object({ items: z.array(ruleVersionViewSchema) });

// ---- imports ----

export const importColumnSchema = z.enum(IMPORT_COLUMNS);
/** A cell without a faithful value, as the upload preview shows it (an Excel error, a formula saved without its result). */
export const importUnreadableCellSchema = z.object({ unreadable: z.enum(["error", "formula"]), text: z.string() });

/** POST /api/admin/imports (multipart: file); POST /api/admin/imports/:id/preview answers the same. */
export const importUploadResponseSchema = z.object({
  id,
  fileName: z.string(),
  /** The sheet read and every sheet of the file (a CSV has one). */
  sheetName: z.string(),
  sheets: z.array(z.object({ name: z.string(), hidden: z.boolean() })),
  /** The header row as the spreadsheet numbers it, and the first rows with values to choose another from. */
  headerRow: z.number().int(),
  headerChoices: z.array(z.object({ row: z.number().int(), text: z.string() })),
  headers: z.array(z.string()),
  /** The first rows; a cell may be an ImportUnreadableCell. */
  rows: z.array(z.array(z.unknown())),
  /** Each preview row's number in the spreadsheet. */
  rowNumbers: z.array(z.number().int()),
  totalRows: z.number().int(),
  detected: z.partialRecord(importColumnSchema, z.number().int()),
  /** What each preview cell means as a date (Unix seconds), read in `timeZone`; null where it is none. */
  dates: z.array(z.array(z.number().nullable())),
  /** The account's zone dates without one are read in; `timeZoneKnown` false: assumed, amoCRM did not say. */
  timeZone: z.string(),
  timeZoneKnown: z.boolean(),
  /** The workbook counts serial dates from 1904. */
  date1904: z.boolean(),
});

const importChoiceShape = {
  sheet: z.string().min(1).max(255).optional(),
  headerRow: z.number().int().min(1).max(1_048_576).optional(),
};
/** POST /api/admin/imports/:id/preview: read the upload again with another sheet or header row. */
export const importPreviewRequestSchema = z.object(importChoiceShape);
/** POST /api/admin/imports/:id/start: column index per field; for leads, extra columns map to mapping sources `column:<header>`. */
export const importStartRequestSchema = z.object({
  kind: z.enum(IMPORT_KINDS, { error: "kind must be leads or calls" }),
  columns: z.partialRecord(importColumnSchema, z.number().int().min(0)),
  projectId: z.number().int().positive().optional(),
  /** The sheet and header row chosen in the preview; absent: the ones found on upload. */
  ...importChoiceShape,
});

/** GET /api/admin/imports/:id ; GET /api/admin/imports (history) ; POST /api/admin/imports/:id/cancel */
export const importViewSchema = z.object({
  id,
  kind: z.enum(IMPORT_KINDS).nullable(),
  status: z.enum(IMPORT_STATUSES),
  fileName: z.string(),
  fileSize: z.number().int(),
  total: z.number().int(),
  done: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  ratePerSec: z.number().nullable(),
  etaSec: z.number().nullable(),
  error: z.string().nullable(),
  /** `error`'s catalogue code and params; null for free text and old rows. */
  errorText: textRefSchema.nullable(),
  hasReport: z.boolean(),
  createdAt: z.number(),
  startedAt: when,
  finishedAt: when,
  /** `reasonText`: the reason's catalogue code and params (lib/errors.ts TEXTS); null for free text and old rows. */
  errors: z.array(z.object({ row: z.number().int(), reason: z.string(), reasonText: textRefSchema.nullable() })),
  /** A running import held while the widget is switched off in amoCRM: it continues once switched on. */
  paused: z.literal(true).optional(),
});
export const importListResponseSchema = z.object({ items: z.array(importViewSchema) });

export type AdminSessionResponse = z.infer<typeof adminSessionResponseSchema>;
export type EventView = z.infer<typeof eventViewSchema>;
export type EventFilter = z.infer<typeof eventFilterSchema>;
export type EventListResponse = z.infer<typeof eventListResponseSchema>;
export type AuditView = z.infer<typeof auditViewSchema>;
export type EventDetailResponse = z.infer<typeof eventDetailResponseSchema>;
export type ReplayResponse = z.infer<typeof replayResponseSchema>;
export type AuditListResponse = z.infer<typeof auditListResponseSchema>;
export type StatusCounts = z.infer<typeof statusCountsSchema>;
export type ActivityBucket = z.infer<typeof activityBucketSchema>;
export type QuotaHit = z.infer<typeof quotaHitSchema>;
export type DashboardResponse = z.infer<typeof dashboardResponseSchema>;
export type CallListResponse = z.infer<typeof callListResponseSchema>;
export type CallResultsResponse = z.infer<typeof callResultsResponseSchema>;
export type AdminLptResponse = z.infer<typeof adminLptResponseSchema>;
export type RuleInput = z.infer<typeof ruleInputSchema>;
export type RuleView = z.infer<typeof ruleViewSchema>;
export type RuleListResponse = z.infer<typeof ruleListResponseSchema>;
export type DryRunSource = z.infer<typeof dryRunSourceSchema>;
export type DryRunRequest = z.input<typeof dryRunRequestSchema>;
export type DryRunOutcome = z.infer<typeof dryRunOutcomeSchema>;
export type DryRunResult = z.infer<typeof dryRunResultSchema>;
export type DryRunResponse = DryRunResult;
export type PreviewChange = z.infer<typeof previewChangeSchema>;
export type PreviewItem = z.infer<typeof previewItemSchema>;
export type PreviewRequest = z.input<typeof previewRequestSchema>;
export type PreviewResponse = z.infer<typeof previewResponseSchema>;
export type RuleVersionView = z.infer<typeof ruleVersionViewSchema>;
export type RuleHistoryResponse = z.infer<typeof ruleHistoryResponseSchema>;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type { ImportColumn };
export type ImportUnreadableCell = z.infer<typeof importUnreadableCellSchema>;
export type ImportUploadResponse = z.infer<typeof importUploadResponseSchema>;
export type ImportPreviewRequest = z.input<typeof importPreviewRequestSchema>;
export type ImportStartRequest = z.input<typeof importStartRequestSchema>;
export type ImportView = z.infer<typeof importViewSchema>;
export type ImportListResponse = z.infer<typeof importListResponseSchema>;
