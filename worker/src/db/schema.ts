// The D1 data model (Drizzle). Every tenant table carries `account_id`: the amoCRM account that
// owns the row. Reads and writes go through the tenant-scoped functions in this folder.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { MappingRow, RuleAction, RuleGroup, RuleTrigger } from "../sync/types";
import type { TextRef } from "../lib/errors";
import type { AuditData, EventProgress, ImportPlan, LinkMeta, MetadataData, StoredAmoUser, StoredRow } from "../contracts/stored";

// The values each status column may hold. Drizzle types the columns with them (no CHECK in SQL: the
// tables stay as migrated), and the data functions and the API take their unions from here.
export const ACCOUNT_STATUSES = ["pending", "active", "reauth_required", "uninstalled"] as const;
export const INSTALL_FLOWS = ["marketplace", "button"] as const;
export const INSTALL_JOB_STATUSES = ["pending", "done", "failed"] as const;
export const LPT_CONNECTION_STATUSES = ["active", "error"] as const;
export const HOOK_STATUSES = ["pending", "registered", "failed"] as const;
export const STAGE_DIRECTIONS = ["both", "to_amo", "to_lpt"] as const;
export const RULE_TRIGGERS = ["lpt.lead.created", "lpt.lead.updated", "amo.lead.status_changed", "amo.lead.updated", "import.row"] as const satisfies readonly RuleTrigger[];
export const RULE_CHANGES = ["created", "updated", "enabled", "disabled", "moved", "restored", "deleted"] as const;
export const EVENT_SOURCES = ["lptracker", "amocrm", "import", "reconcile", "manual"] as const;
export const EVENT_STATUSES = ["received", "processing", "done", "failed", "skipped", "rejected", "parked", "paused"] as const;
export const LINK_KINDS = ["lead", "contact"] as const;
export const IMPORT_KINDS = ["leads", "calls"] as const;
export const IMPORT_STATUSES = ["uploaded", "parsing", "processing", "done", "failed", "cancelled"] as const;
export const ROW_STATUSES = ["pending", "created", "updated", "skipped", "failed"] as const;
export const CALL_SOURCES = ["lptracker", "import"] as const;
export const CALL_DIRECTIONS = ["inbound", "outbound"] as const;
export const CALL_SYNC_STATUSES = ["pending", "posted", "failed"] as const;
export const AUDIT_LEVELS = ["info", "warn", "error"] as const;
export const QUOTA_KINDS = ["hook_rate", "rejected_bodies"] as const;
export const LIST_ENTITIES = ["leads", "contacts"] as const;
export const LIST_JOB_STATUSES = ["queued", "running", "done", "failed"] as const;
export const LIST_ITEM_TYPES = ["lead", "contact", "company"] as const;

const now = sql`(unixepoch() * 1000)`;
const createdAt = () => integer("created_at").notNull().default(now);
const updatedAt = () => integer("updated_at").notNull().default(now);

/** amoCRM accounts that installed the integration (the tenants). */
export const accounts = sqliteTable(
  "accounts",
  {
    accountId: integer("account_id").primaryKey(),
    subdomain: text("subdomain").notNull(),
    domain: text("domain").notNull(),
    apiDomain: text("api_domain"),
    name: text("name"),
    status: text("status", { enum: ACCOUNT_STATUSES }).notNull().default("pending"),
    statusReason: text("status_reason"),
    /** Secret path key of this account's amoCRM webhook URL. */
    amoHookKey: text("amo_hook_key").notNull(),
    settings: text("settings", { mode: "json" }).$type<AccountSettings>().notNull().default(sql`'{}'`),
    installedAt: integer("installed_at"),
    uninstalledAt: integer("uninstalled_at"),
    purgeAfter: integer("purge_after"),
    tokenRefreshedAt: integer("token_refreshed_at"),
    /** Set while the widget is switched off in amoCRM: events are kept as `paused`, not processed. */
    pausedAt: integer("paused_at"),
    /** Set when the widget was installed or switched on and amoCRM's OAuth code has not been exchanged yet. */
    awaitingAccessSince: integer("awaiting_access_since"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("accounts_amo_hook_key").on(t.amoHookKey)],
);

export interface AccountSettings {
  consentAt?: number;
  consentBy?: number;
  locale?: "ru" | "en";
}

/** Install callbacks waiting for (or done with) their code exchange. The account is known only after it. */
export const installs = sqliteTable(
  "installs",
  {
    id: text("id").primaryKey(),
    accountId: integer("account_id"),
    referer: text("referer").notNull(),
    flow: text("flow", { enum: INSTALL_FLOWS }).notNull(),
    sealedCode: text("sealed_code").notNull(),
    /** The exchanged token pair, sealed, while the rest of the install job may still be retried. */
    sealedTokens: text("sealed_tokens"),
    status: text("status", { enum: INSTALL_JOB_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("installs_status").on(t.status)],
);

/** One LPTracker login per amoCRM account; the password is sealed. */
export const lptConnections = sqliteTable(
  "lpt_connections",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    login: text("login").notNull(),
    sealedPassword: text("sealed_password").notNull(),
    status: text("status", { enum: LPT_CONNECTION_STATUSES }).notNull().default("active"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("lpt_connections_account").on(t.accountId)],
);

/** LPTracker projects a connection syncs, each with its own webhook key. */
export const lptProjects = sqliteTable(
  "lpt_projects",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    connectionId: integer("connection_id").notNull(),
    projectId: integer("project_id").notNull(),
    name: text("name"),
    hookKey: text("hook_key").notNull(),
    hookStatus: text("hook_status", { enum: HOOK_STATUSES }).notNull().default("pending"),
    hookError: text("hook_error"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("lpt_projects_account_project").on(t.accountId, t.projectId), uniqueIndex("lpt_projects_hook_key").on(t.hookKey)],
);

/** Field mapping rows (LPTracker source → amoCRM target) per account and LPTracker project. */
export const fieldMappings = sqliteTable(
  "field_mappings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    projectId: integer("project_id").notNull(),
    rows: text("rows", { mode: "json" }).$type<MappingRow[]>().notNull().default(sql`'[]'`),
    version: integer("version").notNull().default(1),
    updatedBy: integer("updated_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("field_mappings_account_project").on(t.accountId, t.projectId)],
);

/** LPTracker funnel stage ↔ amoCRM pipeline + status, per project. */
export const stageMaps = sqliteTable(
  "stage_maps",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    projectId: integer("project_id").notNull(),
    lptStageId: integer("lpt_stage_id").notNull(),
    amoPipelineId: integer("amo_pipeline_id").notNull(),
    amoStatusId: integer("amo_status_id").notNull(),
    direction: text("direction", { enum: STAGE_DIRECTIONS }).notNull().default("both"),
    createdAt: createdAt(),
  },
  (t) => [index("stage_maps_account_project").on(t.accountId, t.projectId)],
);

/** Ordered rules: a trigger, a condition tree and a list of actions. */
export const rules = sqliteTable(
  "rules",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    name: text("name").notNull(),
    position: integer("position").notNull().default(0),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    trigger: text("trigger", { enum: RULE_TRIGGERS }).notNull(),
    conditions: text("conditions", { mode: "json" }).$type<RuleGroup>().notNull().default(sql`'{}'`),
    actions: text("actions", { mode: "json" }).$type<RuleAction[]>().notNull().default(sql`'[]'`),
    /** Counts saved changes (1 = as created); each one has a row in rule_versions. */
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("rules_account_position").on(t.accountId, t.position)],
);

/** What a rule looked like, as kept in its history. */
export interface RuleSnapshot {
  name: string;
  enabled: boolean;
  trigger: RuleTrigger;
  conditions: RuleGroup;
  actions: RuleAction[];
  position: number;
}

/** Every change to a rule: who, when, before and after; a deleted rule keeps its history. */
export const ruleVersions = sqliteTable(
  "rule_versions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    ruleId: integer("rule_id").notNull(),
    /** The rule's version after this change. */
    version: integer("version").notNull(),
    change: text("change", { enum: RULE_CHANGES }).notNull(),
    actor: text("actor"),
    at: integer("at").notNull().default(now),
    before: text("before", { mode: "json" }).$type<RuleSnapshot | null>(),
    after: text("after", { mode: "json" }).$type<RuleSnapshot | null>(),
    note: text("note"),
  },
  (t) => [uniqueIndex("rule_versions_account_rule_version").on(t.accountId, t.ruleId, t.version)],
);

/** Raw inbound events (webhooks, imports, reconciliation) and where each one is in its life. */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    source: text("source", { enum: EVENT_SOURCES }).notNull(),
    /** create | update | delete | status | sync | rejected … */
    action: text("action").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    status: text("status", { enum: EVENT_STATUSES }).notNull().default("received"),
    projectId: integer("project_id"),
    externalId: text("external_id"),
    payload: text("payload").notNull(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    /** `error`'s catalogue code and params (lib/errors.ts TEXTS); null for free text and old rows. */
    errorText: text("error_text", { mode: "json" }).$type<TextRef>(),
    /** The sync job's journal of amoCRM writes not to repeat on a retry (sync/run/lpt-to-amo.ts). */
    progress: text("progress", { mode: "json" }).$type<EventProgress>(),
    receivedAt: integer("received_at").notNull().default(now),
    processedAt: integer("processed_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("events_account_dedupe").on(t.accountId, t.dedupeKey),
    index("events_account_status").on(t.accountId, t.status, t.receivedAt),
    index("events_account_received").on(t.accountId, t.receivedAt),
  ],
);

/** External id ↔ external id per entity kind (lead, contact). */
export const links = sqliteTable(
  "links",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    kind: text("kind", { enum: LINK_KINDS }).notNull(),
    lptId: text("lpt_id").notNull(),
    amoId: text("amo_id").notNull(),
    projectId: integer("project_id"),
    /** What each side last wrote, to recognise echoes. */
    meta: text("meta", { mode: "json" }).$type<LinkMeta>().notNull().default(sql`'{}'`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("links_account_kind_lpt").on(t.accountId, t.kind, t.lptId),
    index("links_account_kind_amo").on(t.accountId, t.kind, t.amoId),
  ],
);

/** Cached amoCRM metadata: pipelines, custom fields, users, task types. */
export const metadataCache = sqliteTable(
  "metadata_cache",
  {
    accountId: integer("account_id").notNull(),
    /** A key of contracts/stored.ts METADATA_KINDS (`lpt_project:<id>` for lpt_project); `data` has its shape. */
    kind: text("kind").notNull(),
    data: text("data", { mode: "json" }).$type<MetadataData>().notNull(),
    fetchedAt: integer("fetched_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind] })],
);

/**
 * amoCRM users' rights and group as the account's admin token reads them, refreshed with the
 * metadata and on demand after a short TTL; the card routes decide with them who sees what.
 */
export const amoUserRights = sqliteTable(
  "amo_user_rights",
  {
    accountId: integer("account_id").notNull(),
    userId: integer("user_id").notNull(),
    isAdmin: integer("is_admin", { mode: "boolean" }).notNull().default(false),
    /** amoCRM's first group has id 0, so null (not 0) means "no group known". */
    groupId: integer("group_id"),
    rights: text("rights", { mode: "json" }).$type<StoredAmoUser>().notNull(),
    fetchedAt: integer("fetched_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] })],
);

/** Uploaded spreadsheets and their background processing. */
export const imports = sqliteTable(
  "imports",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    kind: text("kind", { enum: IMPORT_KINDS }),
    status: text("status", { enum: IMPORT_STATUSES }).notNull().default("uploaded"),
    fileKey: text("file_key").notNull(),
    fileName: text("file_name").notNull(),
    fileSize: integer("file_size").notNull(),
    headers: text("headers", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    /** The plan the import was started with (null until then). */
    mapping: text("mapping", { mode: "json" }).$type<ImportPlan>(),
    total: integer("total").notNull().default(0),
    done: integer("done").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    chunks: integer("chunks").notNull().default(0),
    chunksDone: integer("chunks_done").notNull().default(0),
    error: text("error"),
    /** `error`'s catalogue code and params (lib/errors.ts TEXTS); null for free text and old rows. */
    errorText: text("error_text", { mode: "json" }).$type<TextRef>(),
    reportKey: text("report_key"),
    createdBy: integer("created_by"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("imports_account_created").on(t.accountId, t.createdAt)],
);

/** Parsed rows of an import, stored in chunks. */
export const importRows = sqliteTable(
  "import_rows",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    importId: integer("import_id").notNull(),
    chunk: integer("chunk").notNull(),
    rowNumber: integer("row_number").notNull(),
    data: text("data", { mode: "json" }).$type<StoredRow>().notNull(),
    status: text("status", { enum: ROW_STATUSES }).notNull().default("pending"),
    error: text("error"),
    /** `error`'s catalogue code and params (lib/errors.ts TEXTS); null for free text and old rows. */
    errorText: text("error_text", { mode: "json" }).$type<TextRef>(),
  },
  (t) => [index("import_rows_import_chunk").on(t.accountId, t.importId, t.chunk), index("import_rows_import_status").on(t.accountId, t.importId, t.status)],
);

/** Calls from LPTracker leads and from imported call-result files. */
export const callResults = sqliteTable(
  "call_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    source: text("source", { enum: CALL_SOURCES }).notNull(),
    callId: text("call_id").notNull(),
    lptLeadId: text("lpt_lead_id"),
    amoLeadId: text("amo_lead_id"),
    amoContactId: text("amo_contact_id"),
    phone: text("phone"),
    direction: text("direction", { enum: CALL_DIRECTIONS }),
    startedAt: integer("started_at"),
    duration: integer("duration").notNull().default(0),
    result: text("result"),
    recordingUrl: text("recording_url"),
    operator: text("operator"),
    comment: text("comment"),
    importId: integer("import_id"),
    syncStatus: text("sync_status", { enum: CALL_SYNC_STATUSES }).notNull().default("pending"),
    amoCallId: text("amo_call_id"),
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("call_results_account_call").on(t.accountId, t.source, t.callId),
    index("call_results_account_started").on(t.accountId, t.startedAt),
    index("call_results_account_lead").on(t.accountId, t.lptLeadId),
  ],
);

/** One row per step and per mutation: who did what, when, to which entity. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    at: integer("at").notNull().default(now),
    level: text("level", { enum: AUDIT_LEVELS }).notNull().default("info"),
    /** api | lptracker | amocrm | import | system | admin | widget */
    source: text("source").notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type"),
    entityId: text("entity_id"),
    eventId: integer("event_id"),
    actor: text("actor"),
    message: text("message").notNull(),
    data: text("data", { mode: "json" }).$type<AuditData>(),
    requestId: text("request_id"),
  },
  (t) => [index("audit_account_at").on(t.accountId, t.at), index("audit_account_event").on(t.accountId, t.eventId)],
);

/** One-time admin links handed out from inside amoCRM (single use, short-lived). */
export const adminLinks = sqliteTable(
  "admin_links",
  {
    id: text("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    userId: integer("user_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("admin_links_account").on(t.accountId)],
);

/** Per-account cursors of background passes (reconciliation, metadata refresh). */
export const cursors = sqliteTable(
  "cursors",
  {
    accountId: integer("account_id").notNull(),
    name: text("name").notNull(),
    value: text("value").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.name] })],
);

/**
 * Admin page sessions: the cookie carries the id, this row decides. Logout and a lost admin right
 * revoke it; `next_check_at` says when the user's admin right is asked of amoCRM again.
 */
export const adminSessions = sqliteTable(
  "admin_sessions",
  {
    id: text("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    userId: integer("user_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
    /** When amoCRM last confirmed the user is an admin (at sign-in: the widget token said so). */
    rightsCheckedAt: integer("rights_checked_at").notNull(),
    nextCheckAt: integer("next_check_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("admin_sessions_account").on(t.accountId)],
);

/**
 * One row (id 1, not a tenant table): the cron's pass re-sealing every secret under the newest
 * ENCRYPTION_KEY. A pass walks all accounts by id; `last_pass_*` is the latest complete pass.
 */
export const keyRotation = sqliteTable("key_rotation", {
  id: integer("id").primaryKey(),
  /** The newest key's id when this pass started; a new first key starts a new pass. */
  keyId: text("key_id").notNull(),
  cursor: integer("cursor").notNull().default(0),
  passStartedAt: integer("pass_started_at").notNull(),
  /** Values found under an older key in this pass (each re-sealed unless it failed). */
  passFound: integer("pass_found").notNull().default(0),
  /** Values that could not be opened or re-sealed in this pass. */
  passFailed: integer("pass_failed").notNull().default(0),
  lastPassKeyId: text("last_pass_key_id"),
  lastPassCompletedAt: integer("last_pass_completed_at"),
  lastPassFound: integer("last_pass_found"),
  lastPassFailed: integer("last_pass_failed"),
  updatedAt: updatedAt(),
});

/**
 * Quota refusals per tenant, quota and hour (`hook_rate`: webhooks over the per-key rate;
 * `rejected_bodies`: malformed bodies no longer kept). The admin dashboard warns from these rows.
 */
export const quotaHits = sqliteTable(
  "quota_hits",
  {
    accountId: integer("account_id").notNull(),
    kind: text("kind", { enum: QUOTA_KINDS }).notNull(),
    windowStart: integer("window_start").notNull(),
    refused: integer("refused").notNull().default(0),
    lastAt: integer("last_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind, t.windowStart] })],
);

/** A list action («Синхронизировать с LPTracker» for the selected leads or contacts), run in the queue. */
export const listJobs = sqliteTable(
  "list_jobs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    entity: text("entity", { enum: LIST_ENTITIES }).notNull(),
    /** The LPTracker project new leads go to. */
    projectId: integer("project_id").notNull(),
    status: text("status", { enum: LIST_JOB_STATUSES }).notNull().default("queued"),
    total: integer("total").notNull(),
    /** What amoCRM said was selected; more than `total` when the selection spans pages it did not hand over. */
    countSelected: integer("count_selected").notNull(),
    requestedBy: integer("requested_by"),
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("list_jobs_account_created").on(t.accountId, t.createdAt)],
);

/** One selected entity of a list job and how it ended. */
export const listJobItems = sqliteTable(
  "list_job_items",
  {
    accountId: integer("account_id").notNull(),
    jobId: integer("job_id").notNull(),
    position: integer("position").notNull(),
    entityType: text("entity_type", { enum: LIST_ITEM_TYPES }).notNull(),
    entityId: integer("entity_id").notNull(),
    name: text("name"),
    status: text("status", { enum: ROW_STATUSES }).notNull().default("pending"),
    /** Why, as a code the widget translates (created, no_contact, …); `reason` is the English detail. */
    reasonCode: text("reason_code"),
    reason: text("reason"),
    lptLeadIds: text("lpt_lead_ids", { mode: "json" }).$type<number[]>(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.jobId, t.position] }), index("list_job_items_status").on(t.accountId, t.jobId, t.status)],
);

/** The secret each Digital Pipeline action of the account carries in a hidden setting (DP hooks are unsigned). */
export const dpKeys = sqliteTable("dp_keys", {
  accountId: integer("account_id").primaryKey(),
  key: text("key").notNull(),
  createdAt: createdAt(),
});

/** Per LPTracker project: new leads go to amoCRM's incoming leads («Неразобранное») of this pipeline (a row means on). */
export const unsortedSettings = sqliteTable(
  "unsorted_settings",
  {
    accountId: integer("account_id").notNull(),
    projectId: integer("project_id").notNull(),
    pipelineId: integer("pipeline_id").notNull(),
    updatedBy: integer("updated_by"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.projectId] })],
);

/** An incoming lead we posted to amoCRM and what became of it. */
export const unsortedEntries = sqliteTable(
  "unsorted_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: integer("account_id").notNull(),
    uid: text("uid").notNull(),
    projectId: integer("project_id").notNull(),
    /** The LPTracker lead that made the entry (repeat requests link to it without a row of their own). */
    lptLeadId: text("lpt_lead_id").notNull(),
    /** The lead amoCRM made with the entry. */
    amoLeadId: text("amo_lead_id").notNull(),
    amoContactId: text("amo_contact_id"),
    /** `phone:+7…` / `email:…` of the person, to add a repeat request to the waiting entry. */
    personKeys: text("person_keys", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    /** pending | accepted | declined */
    state: text("state").notNull().default("pending"),
    /** The lead the manager accepted it into (its own lead, or an existing one it was attached to). */
    resultLeadId: text("result_lead_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("unsorted_entries_account_uid").on(t.accountId, t.uid),
    index("unsorted_entries_account_state").on(t.accountId, t.projectId, t.state),
    index("unsorted_entries_account_lpt").on(t.accountId, t.lptLeadId),
  ],
);

/** Per LPTracker project: repeat requests and who gets a new lead (sync/plan/plan.ts decides with it). */
export const leadPolicies = sqliteTable(
  "lead_policies",
  {
    accountId: integer("account_id").notNull(),
    projectId: integer("project_id").notNull(),
    repeatMode: text("repeat_mode", { enum: ["new", "attach", "new_if_closed"] }).notNull().default("new"),
    /** Pipelines whose open leads a repeat request attaches to; empty = every pipeline. */
    repeatPipelines: text("repeat_pipelines", { mode: "json" }).$type<number[]>().notNull().default(sql`'[]'`),
    assignMode: text("assign_mode", { enum: ["none", "fixed", "round_robin", "lpt_owner"] }).notNull().default("none"),
    fixedUserId: integer("fixed_user_id"),
    rrUsers: text("rr_users", { mode: "json" }).$type<number[]>().notNull().default(sql`'[]'`),
    staffMap: text("staff_map", { mode: "json" }).$type<{ lptStaffId: number; amoUserId: number }[]>().notNull().default(sql`'[]'`),
    fallbackUserId: integer("fallback_user_id"),
    contactOwnerWins: integer("contact_owner_wins", { mode: "boolean" }).notNull().default(false),
    /** Round-robin counter: slots taken so far. */
    rrNext: integer("rr_next").notNull().default(0),
    updatedBy: integer("updated_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.projectId] })],
);
