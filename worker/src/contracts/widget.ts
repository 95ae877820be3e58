// zod schemas of the widget API (/api/widget/*): what each route takes and answers. The routes
// validate requests with them; the widget imports the inferred types (type-only, so no zod in the card).
import { z } from "zod";
import { mappingRowSchema, mappingRowsSchema, stageMapEntrySchema, stageMapSchema } from "../sync/schemas";
import { ACCOUNT_STATUSES, CALL_DIRECTIONS, CALL_SYNC_STATUSES, HOOK_STATUSES, LIST_ENTITIES, LIST_ITEM_TYPES, LIST_JOB_STATUSES, ROW_STATUSES } from "../db/schema";
import { amoMetadataSchema } from "./amocrm";
import { TEXTS, type TextCode } from "../lib/errors";

const id = z.number().int();
const when = z.number().nullable();

/** A text's catalogue code and params (lib/errors.ts TEXTS), answered beside its English text. */
const textPartSchema = z.object({
  code: z.custom<TextCode>((v) => typeof v === "string" && Object.hasOwn(TEXTS, v), "Unknown text code"),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});
/** `items`: the parts the text lists (a spreadsheet row's cell issues), each worded into `{items}`. */
export const textRefSchema = textPartSchema.extend({ items: z.array(textPartSchema).optional() });

/** RFC 9457 problem+json: every error answer of the API. */
export const apiProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  /** The stable machine code (worker/src/lib/errors.ts) the widget and the admin page translate; absent only from older servers. */
  code: z.string().optional(),
  /** The values the code's text names (`{field}`, `{limit}`…). */
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  requestId: z.string().optional(),
  /** Validation problems may name the field at fault. */
  field: z.string().optional(),
  missing: z.array(z.string()).optional(),
  /** Why a request was refused, for the widget to explain it (e.g. `no_view_right`, `rights_unavailable`). */
  reason: z.string().optional(),
});

export const installStatusSchema = z.enum([...ACCOUNT_STATUSES, "not_installed"]);

export const accessWaitSchema = z.object({
  /** waiting: no code yet; exchanging: code received, being exchanged; failed: amoCRM refused it; lost: no code came in time. */
  state: z.enum(["waiting", "exchanging", "failed", "lost"]),
  since: z.number(),
  detail: z.string().optional(),
  /** Grants access again through the install button when amoCRM's own hook was lost. */
  reconnect_url: z.string(),
});

/** GET /api/widget/me */
export const meResponseSchema = z.object({
  account_id: id,
  subdomain: z.string(),
  user_id: id,
  is_admin: z.boolean(),
  install_status: installStatusSchema,
  /** Present when the install needs the user to act (reinstall). */
  action: z.string().optional(),
  /** `action`'s catalogue code, which the widget words in its language. */
  actionText: textRefSchema.optional(),
  /** Present while the widget is switched off in amoCRM: events are kept as paused. */
  paused: z.literal(true).optional(),
  /** Present while an install or a switch-on waits for amoCRM's OAuth code. */
  access: accessWaitSchema.optional(),
});

/** PUT /api/widget/state (admin): amoCRM's onSave with evt.active 'Y' | 'N'. Answers MeResponse. */
export const widgetStateRequestSchema = z.object({ active: z.boolean() });

/** GET /api/widget/lptracker and the answer of PUT /api/widget/lptracker. */
export const lptConnectionResponseSchema = z.object({
  connected: z.boolean(),
  login: z.string().nullable(),
  /** active | error */
  status: z.string().nullable(),
  lastError: z.string().nullable(),
  projects: z.array(
    z.object({ id, name: z.string(), selected: z.boolean(), hookStatus: z.enum(HOOK_STATUSES).nullable(), hookError: z.string().nullable() }),
  ),
  warning: z.string().optional(),
  /** `warning`'s catalogue code and params, which the clients word in their language. */
  warningText: textRefSchema.optional(),
});

/**
 * PUT /api/widget/lptracker (admin). An empty or absent `password` keeps the saved one for the same
 * login; `consent` (the user agreed that data goes to our server) is required the first time;
 * `active` is amoCRM's onSave with evt.active 'Y' (install, save, switch on) and resumes paused processing.
 */
export const lptConnectionRequestSchema = z.object({
  login: z.string().trim().min(3, "lpt_login_required").max(200),
  // amoCRM's onSave sends the form as it is: an empty password means "keep the stored one".
  password: z
    .string()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
  projects: z.array(z.number().int().positive()).max(50).default([]),
  consent: z.boolean().optional(),
  active: z.boolean().optional(),
});

/** LPTracker side of a project, for the mapping editor's source pickers. GET /api/widget/lptracker/projects/:id/schema */
export const lptProjectSchemaSchema = z.object({
  projectId: id,
  stages: z.array(z.object({ id, name: z.string() })),
  customs: z.array(z.object({ id, name: z.string(), type: z.string(), options: z.array(z.string()) })),
  contactFields: z.array(z.object({ id, name: z.string(), type: z.string() })),
  /** LPTracker staff (call operators, lead owners). */
  staff: z.array(z.object({ id, name: z.string() })).optional(),
});

/** GET /api/widget/metadata (any user), POST /api/widget/metadata/refresh (admin). */
export const metadataResponseSchema = amoMetadataSchema;

/** A mapping row as the API shows it: with the reason it is broken, when it is. */
export const mappingRowViewSchema = mappingRowSchema.and(z.object({ broken: z.string().optional() }));

/** GET /api/widget/mapping/:projectId (any user); PUT the same with MappingSaveRequest (admin). */
/** Where new leads of an LPTracker project go: `pipelineId` null = straight into a pipeline, else that pipeline's incoming leads. */
export const unsortedSettingResponseSchema = z.object({
  projectId: id,
  pipelineId: id.nullable(),
  updatedAt: when,
});

export const mappingResponseSchema = z.object({
  projectId: id,
  /** true when the user has not saved a mapping yet and the documented default applies. */
  isDefault: z.boolean(),
  rows: z.array(mappingRowViewSchema),
  stageMap: z.array(stageMapEntrySchema),
  brokenCount: z.number().int(),
  updatedAt: when,
});
export const mappingSaveRequestSchema = z.object({ rows: mappingRowsSchema, stageMap: stageMapSchema });

export const callViewSchema = z.object({
  id: z.string(),
  at: when,
  direction: z.enum(CALL_DIRECTIONS).nullable(),
  durationSec: z.number(),
  result: z.string().nullable(),
  recordingUrl: z.string().nullable(),
  operator: z.string().nullable(),
  syncStatus: z.enum(CALL_SYNC_STATUSES),
});

export const cardLeadSchema = z.object({
  lptLeadId: id,
  projectId: id.nullable(),
  projectName: z.string().nullable(),
  name: z.string().nullable(),
  stage: z.object({ id: id.nullable(), name: z.string().nullable() }),
  source: z.object({ source: z.string().nullish(), campaign: z.string().nullish(), keyword: z.string().nullish(), referrer: z.string().nullish() }),
  createdAt: when,
  /** Mapped fields as label → display value. */
  fields: z.array(z.object({ label: z.string(), value: z.string() })),
  calls: z.array(callViewSchema),
  lptUrl: z.string(),
  syncedAt: when,
  lastEvent: z.object({ id, status: z.string(), error: z.string().nullable() }).nullable(),
});

export const cardEntitySchema = z.enum(LIST_ENTITIES);

/** GET /api/widget/card?entity=leads|contacts&id=N; the body of POST /api/widget/card/sync. */
export const cardQuerySchema = z.object({ entity: cardEntitySchema, id: z.coerce.number().int().positive() });
/** POST /api/widget/card/link (admin): the card and the LPTracker lead picked from the suggestions. */
export const cardLinkRequestSchema = cardQuerySchema.extend({ lptLeadId: z.coerce.number().int().positive() });

/** GET /api/widget/card */
export const cardResponseSchema = z.object({
  entity: cardEntitySchema,
  id,
  install_status: installStatusSchema,
  /** What to do when the install needs the user (reinstall). */
  action: z.string().optional(),
  actionText: textRefSchema.optional(),
  leads: z.array(cardLeadSchema),
  /** What this user may do here: «sync» (it writes into amoCRM) and «link» are admins' actions. */
  can: z.object({ sync: z.boolean(), link: z.boolean() }),
  /** In a contact card: how many of the contact's leads amoCRM hides from this user. */
  hiddenLeads: z.number().int().optional(),
  /** Present while the widget is switched off in amoCRM: nothing is synced, events wait as paused. */
  paused: z.literal(true).optional(),
  /** When nothing is linked (admins only): LPTracker leads found by the card's phone, to link with one click. */
  suggestions: z
    .array(z.object({ lptLeadId: id, name: z.string().nullable(), projectId: id, stage: z.string().nullable(), createdAt: when }))
    .optional(),
});

/** POST /api/widget/card/sync and /card/link → the queued events. */
export const cardSyncResponseSchema = z.object({ queued: z.number().int(), eventIds: z.array(id) });

/** POST /api/widget/admin-link (admin) */
export const adminLinkResponseSchema = z.object({ url: z.string(), expiresAt: z.number() });

/** A project the Digital Pipeline settings and the list action offer, with its stages (or why they could not be read). */
export const actionProjectSchema = z.object({ id, name: z.string(), stages: z.array(z.object({ id, name: z.string() })), error: z.string().nullable() });
/** GET /api/widget/actions/options[?dp=1] (admin); with dp=1 also the action's hidden key and the hook URL. */
export const actionOptionsSchema = z.object({
  projects: z.array(actionProjectSchema),
  actions: z.array(z.string()),
  commentMax: z.number().int(),
  listMax: z.number().int(),
  dpKey: z.string().optional(),
  dpWebhookUrl: z.string().optional(),
});

/** The most entities one list action takes: amoCRM's longest list page. */
export const LIST_MAX = 500;

/** POST /api/widget/list-sync (admin): the entities selected in an amoCRM list. */
export const listSyncRequestSchema = z.object({
  entity: cardEntitySchema,
  projectId: z.coerce.number().int().positive(),
  countSelected: z.coerce.number().int().nonnegative(),
  selected: z
    .array(z.object({ id: z.coerce.number().int().positive(), type: z.enum(LIST_ITEM_TYPES).optional(), name: z.string().max(500).optional() }))
    .min(1, "list_empty")
    .max(LIST_MAX, "list_too_many"),
});
export const listSyncStartedSchema = z.object({ jobId: id, total: z.number().int(), countSelected: z.number().int() });

/** GET /api/widget/list-sync/:id: the job's progress and each entity's result. */
export const listJobResponseSchema = z.object({
  id,
  entity: cardEntitySchema,
  projectId: id,
  status: z.enum(LIST_JOB_STATUSES),
  total: z.number().int(),
  countSelected: z.number().int(),
  done: z.number().int(),
  counts: z.record(z.enum(ROW_STATUSES), z.number().int()),
  error: z.string().nullable(),
  items: z.array(
    z.object({
      type: z.enum(LIST_ITEM_TYPES),
      id,
      name: z.string().nullable(),
      status: z.enum(ROW_STATUSES),
      /** A code the widget translates (created, no_contact, …); `reason` is the English detail. */
      code: z.string().nullable(),
      reason: z.string().nullable(),
      lptLeadIds: z.array(id),
    }),
  ),
});

export type ApiProblem = z.infer<typeof apiProblemSchema>;
export type InstallStatus = z.infer<typeof installStatusSchema>;
export type AccessWait = z.infer<typeof accessWaitSchema>;
export type MeResponse = z.infer<typeof meResponseSchema>;
export type WidgetStateRequest = z.input<typeof widgetStateRequestSchema>;
export type LptConnectionResponse = z.infer<typeof lptConnectionResponseSchema>;
export type LptConnectionRequest = z.input<typeof lptConnectionRequestSchema>;
export type LptProjectSchema = z.infer<typeof lptProjectSchemaSchema>;
export type MetadataResponse = z.infer<typeof metadataResponseSchema>;
export type MappingResponse = z.infer<typeof mappingResponseSchema>;
export type UnsortedSettingResponse = z.infer<typeof unsortedSettingResponseSchema>;
export type MappingSaveRequest = z.input<typeof mappingSaveRequestSchema>;
export type CallView = z.infer<typeof callViewSchema>;
export type CardLead = z.infer<typeof cardLeadSchema>;
export type CardQuery = z.infer<typeof cardQuerySchema>;
export type CardLinkRequest = z.input<typeof cardLinkRequestSchema>;
export type CardResponse = z.infer<typeof cardResponseSchema>;
export type CardSyncResponse = z.infer<typeof cardSyncResponseSchema>;
export type AdminLinkResponse = z.infer<typeof adminLinkResponseSchema>;
/** What the widget sends (the route also takes numeric strings for the numbers). */
export type ListSyncRequest = z.output<typeof listSyncRequestSchema>;
export type ActionProject = z.infer<typeof actionProjectSchema>;
export type ActionOptions = z.infer<typeof actionOptionsSchema>;
export type ListSyncStarted = z.infer<typeof listSyncStartedSchema>;
export type ListJobResponse = z.infer<typeof listJobResponseSchema>;
