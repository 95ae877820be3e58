// The HTTP API's request and response shapes, imported by the widget and the admin page so that
// neither redeclares them. Errors are always RFC 9457 problem+json: ApiProblem.
import type { AmoMetadata, MappingRowView, MappingRow, StageMapEntry, Rule, RuleAction, RulePlan, RuleTrigger, RuleGroup, Facts } from "./sync/types";

export type { AmoMetadata, MappingRowView, MappingRow, StageMapEntry, Rule, RuleAction, RulePlan, RuleTrigger, RuleGroup };

export interface ApiProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The stable machine code (worker/src/lib/errors.ts) the widget and the admin page translate; absent only from older servers. */
  code?: string;
  /** The values the code's text names (`{field}`, `{limit}`…). */
  params?: Record<string, string | number>;
  requestId?: string;
  /** Validation problems may name the field at fault. */
  field?: string;
  missing?: string[];
  /** Why a request was refused, for the widget to explain it (e.g. `no_view_right`, `rights_unavailable`). */
  reason?: string;
}

export type InstallStatus = "pending" | "active" | "reauth_required" | "uninstalled" | "not_installed";

/** GET /api/widget/me */
export interface MeResponse {
  account_id: number;
  subdomain: string;
  user_id: number;
  is_admin: boolean;
  install_status: InstallStatus;
  /** Present when the install needs the user to act (reinstall). */
  action?: string;
  /** Present while the widget is switched off in amoCRM: events are kept as paused. */
  paused?: true;
  /** Present while an install or a switch-on waits for amoCRM's OAuth code. */
  access?: AccessWait;
}

export interface AccessWait {
  /** waiting: no code yet; exchanging: code received, being exchanged; failed: amoCRM refused it; lost: no code came in time. */
  state: "waiting" | "exchanging" | "failed" | "lost";
  since: number;
  detail?: string;
  /** Grants access again through the install button when amoCRM's own hook was lost. */
  reconnect_url: string;
}

/** PUT /api/widget/state (admin): amoCRM's onSave with evt.active 'Y' | 'N'. Answers MeResponse. */
export interface WidgetStateRequest {
  active: boolean;
}

/** GET /api/widget/lptracker and the answer of PUT /api/widget/lptracker. */
export interface LptConnectionResponse {
  connected: boolean;
  login: string | null;
  /** active | error */
  status: string | null;
  lastError: string | null;
  projects: { id: number; name: string; selected: boolean; hookStatus: "pending" | "registered" | "failed" | null; hookError: string | null }[];
  warning?: string;
}

/** PUT /api/widget/lptracker (admin). `password` may be omitted to keep the saved one for the same login. */
export interface LptConnectionRequest {
  login: string;
  password?: string;
  projects: number[];
  /** The user agreed that data goes to our server (required the first time). */
  consent: boolean;
  /** amoCRM's onSave with evt.active 'Y' (install, save, switch on): resumes paused processing. */
  active?: boolean;
}

/** LPTracker side of a project, for the mapping editor's source pickers. GET /api/widget/lptracker/projects/:id/schema */
export interface LptProjectSchema {
  projectId: number;
  stages: { id: number; name: string }[];
  customs: { id: number; name: string; type: string; options: string[] }[];
  contactFields: { id: number; name: string; type: string }[];
  /** LPTracker staff (call operators, lead owners). */
  staff?: { id: number; name: string }[];
}

/** GET /api/widget/metadata (any user), POST /api/widget/metadata/refresh (admin). */
export type MetadataResponse = AmoMetadata;

/** GET /api/widget/mapping/:projectId (any user); PUT the same with MappingSaveRequest (admin). */
export interface MappingResponse {
  projectId: number;
  /** true when the user has not saved a mapping yet and the documented default applies. */
  isDefault: boolean;
  rows: MappingRowView[];
  stageMap: StageMapEntry[];
  brokenCount: number;
  updatedAt: number | null;
}
/** Where new leads of an LPTracker project go: `pipelineId` null = straight into a pipeline, else that pipeline's incoming leads. */
export interface UnsortedSettingResponse {
  projectId: number;
  pipelineId: number | null;
  updatedAt: number | null;
}
export interface MappingSaveRequest {
  rows: MappingRow[];
  stageMap: StageMapEntry[];
}

export interface CallView {
  id: string;
  at: number | null;
  direction: "inbound" | "outbound" | null;
  durationSec: number;
  result: string | null;
  recordingUrl: string | null;
  operator: string | null;
  syncStatus: "pending" | "posted" | "failed";
}

export interface CardLead {
  lptLeadId: number;
  projectId: number | null;
  projectName: string | null;
  name: string | null;
  stage: { id: number | null; name: string | null };
  source: { source?: string | null; campaign?: string | null; keyword?: string | null; referrer?: string | null };
  createdAt: number | null;
  /** Mapped fields as label → display value. */
  fields: { label: string; value: string }[];
  calls: CallView[];
  lptUrl: string;
  syncedAt: number | null;
  lastEvent: { id: number; status: string; error: string | null } | null;
}

/** GET /api/widget/card?entity=leads|contacts&id=N */
export interface CardResponse {
  entity: "leads" | "contacts";
  id: number;
  install_status: InstallStatus;
  /** What to do when the install needs the user (reinstall). */
  action?: string;
  leads: CardLead[];
  /** What this user may do here: «sync» (it writes into amoCRM) and «link» are admins' actions. */
  can: { sync: boolean; link: boolean };
  /** In a contact card: how many of the contact's leads amoCRM hides from this user. */
  hiddenLeads?: number;
  /** Present while the widget is switched off in amoCRM: nothing is synced, events wait as paused. */
  paused?: true;
  /** When nothing is linked (admins only): LPTracker leads found by the card's phone, to link with one click. */
  suggestions?: { lptLeadId: number; name: string | null; projectId: number; stage: string | null; createdAt: number | null }[];
}

/** POST /api/widget/card/sync { entity, id } → the queued events; POST /api/widget/card/link { entity, id, lptLeadId } (admin). */
export interface CardSyncResponse {
  queued: number;
  eventIds: number[];
}

/** POST /api/widget/admin-link (admin) */
export interface AdminLinkResponse {
  url: string;
  expiresAt: number;
}

/** GET /api/admin/session */
export interface AdminSessionResponse {
  account_id: number;
  /** Null while the install is still being finished. */
  subdomain: string | null;
  user_id: number;
  user_name: string | null;
  install_status: InstallStatus;
  action?: string;
}

export interface EventView {
  id: number;
  source: string;
  action: string;
  status: string;
  projectId: number | null;
  externalId: string | null;
  attempts: number;
  error: string | null;
  receivedAt: number;
  processedAt: number | null;
}

/** GET /api/admin/events?status&source&from&to&limit&offset */
export interface EventListResponse {
  items: EventView[];
  total: number;
}

export interface AuditView {
  id: number;
  at: number;
  level: "info" | "warn" | "error";
  source: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  eventId: number | null;
  actor: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

/** GET /api/admin/events/:id → the event, its payload and its steps (audit rows). */
export interface EventDetailResponse {
  event: EventView;
  payload: unknown;
  steps: AuditView[];
}

/** POST /api/admin/events/:id/replay; POST /api/admin/events/replay { status?, source?, from?, to? } */
export interface ReplayResponse {
  replayed: number;
  eventIds: number[];
}

/** GET /api/admin/audit?level&source&entityType&entityId&from&to&q&limit&offset */
export interface AuditListResponse {
  items: AuditView[];
  total: number;
}

/** GET /api/admin/dashboard?tz=Europe/Moscow */
export interface DashboardResponse {
  install: { status: InstallStatus; subdomain: string; domain: string; reason: string | null };
  lptracker: LptConnectionResponse;
  lastEventAt: number | null;
  counts: { today: StatusCounts; week: StatusCounts };
  /** Sync activity: hourly buckets for the last 24 h and daily buckets for the last 14 days. */
  activity: { hourly: ActivityBucket[]; daily: ActivityBucket[] };
  latestFailures: EventView[];
  /** Events kept for later: paused while the widget is switched off in amoCRM, parked while amoCRM's access is missing. */
  held: { widgetOff: boolean; paused: number; parked: number };
  /** Quotas this account's webhooks hit in the last 24 h (newest first); empty when none. */
  quotas: QuotaHit[];
}
/** `hook_rate`: webhooks refused with 429 over the per-URL rate; `rejected_bodies`: malformed bodies answered 400 but no longer kept. */
export interface QuotaHit {
  kind: "hook_rate" | "rejected_bodies";
  windowStart: number;
  refused: number;
  lastAt: number;
}
export interface StatusCounts {
  received: number;
  synced: number;
  failed: number;
  skipped: number;
}
export interface ActivityBucket {
  start: number;
  synced: number;
  failed: number;
  skipped: number;
}

/** GET /api/admin/calls?from&to&result&syncStatus&sort=startedAt|duration&dir=asc|desc&limit&offset; GET /api/admin/calls/export.xlsx (same filters). */
export interface CallListResponse {
  items: (CallView & { phone: string | null; source: string; lptLeadId: string | null; amoLeadId: string | null; comment: string | null; error: string | null })[];
  total: number;
}

/** GET /api/admin/lptracker: the connection plus each selected project's stages and fields, for the rule constructor. */
export interface AdminLptResponse extends LptConnectionResponse {
  schemas: LptProjectSchema[];
  /** Projects whose schema could not be loaded right now, with the reason. */
  schemaErrors: { projectId: number; error: string }[];
}

/** GET /api/admin/calls/results: the distinct call results, for the filter's picker. */
export interface CallResultsResponse {
  items: string[];
}

/**
 * Rules: GET/POST /api/admin/rules, PUT/DELETE /api/admin/rules/:id, POST /api/admin/rules/reorder { ids },
 * POST /api/admin/rules/dry-run { eventId } | { lptLeadId } | { payload, source, action? } (the whole chain),
 * POST /api/admin/rules/:id/dry-run (the same, marking that rule), POST /api/admin/rules/preview,
 * GET /api/admin/rules/:id/history, POST /api/admin/rules/:id/restore { version }, GET /api/admin/rules/deleted.
 */
export type RuleInput = Omit<Rule, "id" | "position" | "version" | "problems">;
/** A condition that does not fit the catalogue of facts (see sync/rule-check.ts). */
export type { ConditionIssue } from "./sync/rule-check";
export interface RuleView extends Rule {
  version: number;
  /** Set when the rule no longer validates: it skips itself (with an audit entry) until fixed. */
  issues?: import("./sync/rule-check").ConditionIssue[];
}
export interface RuleListResponse {
  items: RuleView[];
}
export type DryRunSource = "lptracker" | "amocrm" | "import";

/** What the sync would write, in amoCRM's and LPTracker's terms. */
export interface DryRunOutcome {
  /** The sync would stop here: a rule's skip, an unlinked amoCRM lead, an echo, a deleted lead… */
  stop: { kind: "skip" | "nothing"; reason: string; ruleId?: number } | null;
  amoLead: {
    /**
     * attach: a repeat request added to the contact's open lead `id` (a note and a task);
     * unsorted: an entry in amoCRM's incoming leads of `pipelineId` instead of a lead;
     * unsorted_note: a note on the waiting entry's lead `id`, no second entry.
     */
    action: "create" | "update" | "attach" | "unsorted" | "unsorted_note";
    id?: number;
    name?: string;
    /** Where it goes; null on an update that leaves the stage alone. */
    pipelineId: number | null;
    statusId: number | null;
    pipelineName?: string;
    statusName?: string;
    placementFrom: "rule" | "stage_map" | "default" | "unchanged";
    responsibleUserId?: number;
    responsibleName?: string;
    /** Tags the sync adds (existing tags are kept). */
    tags: string[];
    customFields: number;
  } | null;
  contact: {
    action: "linked" | "found" | "create" | "search";
    id?: number;
    by?: "phone" | "email";
    name?: string;
    phones: string[];
    emails: string[];
  } | null;
  notes: { text: string; ruleId: number }[];
  tasks: { text: string; taskTypeId: number; taskTypeName?: string; dueInHours: number; responsibleUserId?: number; ruleId: number }[];
  lptStage: { leadId: string; stageId: number; from: "rule" | "stage_map"; alreadyThere: boolean } | null;
  mappingProblems: string[];
  /** The project's repeat-request policy and what it decides for this lead (absent: not judged). */
  repeat?: import("./sync/lead-policy").RepeatDecision | null;
  /** Where a new lead's responsible user comes from; for the round-robin, the user of the next slot. */
  assignment?: { from: "rule" | "contact" | "mapping" | "fixed" | "lpt_owner" | "fallback" | "round_robin" | "none"; userId?: number; userName?: string } | null;
  /** How the project's incoming-leads setting («Неразобранное») applies to this lead (absent: off). */
  unsorted?: import("./sync/unsorted-decision").UnsortedDecision | null;
}

export interface DryRunResult {
  source: DryRunSource;
  trigger: RuleTrigger | null;
  plan: RulePlan;
  facts: Facts;
  outcome: DryRunOutcome;
  /** How the answer was reached: what was read, what could not be. */
  notes: string[];
  writes: false;
}

export type DryRunResponse = DryRunResult;

/** POST /api/admin/rules/preview { rule: RuleInput, id?: number }: an unsaved rule on recent events. */
export interface PreviewRequest {
  rule: RuleInput;
  /** The saved rule this one would replace; absent for a new rule (added at the end). */
  id?: number;
}
export interface PreviewItem {
  eventId: number;
  source: string;
  action: string;
  externalId: string | null;
  receivedAt: number;
  /** The unsaved rule's conditions hold for this event. */
  matched: boolean;
  /** Its status in the chain with it: matched / not_matched / not_reached / disabled. */
  status: import("./sync/types").RuleStatus | "not_evaluated";
  /** What the sync's result would change compared with the saved rules, one line each. */
  changes: PreviewChange[];
}
export interface PreviewChange {
  what: "stop" | "pipeline" | "responsible" | "tags" | "notes" | "tasks" | "lpt_stage";
  before: string | null;
  after: string | null;
}
export interface PreviewResponse {
  /** Events looked at (at most 100, newest first). */
  total: number;
  /** Events whose facts meet the rule's conditions. */
  matched: number;
  /** Of those, events where the chain would reach the rule and run its actions. */
  applied: number;
  /** Events where the sync's result would differ from the saved rules'. */
  changed: number;
  items: PreviewItem[];
  writes: false;
}

/** GET /api/admin/rules/:id/history; GET /api/admin/rules/deleted. */
export interface RuleVersionView {
  ruleId: number;
  version: number;
  change: "created" | "updated" | "enabled" | "disabled" | "moved" | "restored" | "deleted";
  actor: string | null;
  at: number;
  before: RuleInput & { position: number } | null;
  after: RuleInput & { position: number } | null;
  note: string | null;
}
export interface RuleHistoryResponse {
  items: RuleVersionView[];
}

export type ImportStatus = "uploaded" | "parsing" | "processing" | "done" | "failed" | "cancelled";
export type ImportColumn = "phone" | "email" | "name" | "result" | "duration" | "date" | "operator" | "comment" | "recording";

/** A cell without a faithful value, as the upload preview shows it (an Excel error, a formula saved without its result). */
export interface ImportUnreadableCell {
  unreadable: "error" | "formula";
  text: string;
}

/** POST /api/admin/imports (multipart: file); POST /api/admin/imports/:id/preview answers the same. */
export interface ImportUploadResponse {
  id: number;
  fileName: string;
  /** The sheet read and every sheet of the file (a CSV has one). */
  sheetName: string;
  sheets: { name: string; hidden: boolean }[];
  /** The header row as the spreadsheet numbers it, and the first rows with values to choose another from. */
  headerRow: number;
  headerChoices: { row: number; text: string }[];
  headers: string[];
  /** The first rows; a cell may be an ImportUnreadableCell. */
  rows: unknown[][];
  /** Each preview row's number in the spreadsheet. */
  rowNumbers: number[];
  totalRows: number;
  detected: Partial<Record<ImportColumn, number>>;
  /** What each preview cell means as a date (Unix seconds), read in `timeZone`; null where it is none. */
  dates: (number | null)[][];
  /** The account's zone dates without one are read in; `timeZoneKnown` false: assumed, amoCRM did not say. */
  timeZone: string;
  timeZoneKnown: boolean;
  /** The workbook counts serial dates from 1904. */
  date1904: boolean;
}

/** POST /api/admin/imports/:id/preview: read the upload again with another sheet or header row. */
export interface ImportPreviewRequest {
  sheet?: string;
  headerRow?: number;
}

/** POST /api/admin/imports/:id/start */
export interface ImportStartRequest {
  kind: "leads" | "calls";
  /** Column index per field; for leads, extra columns map to mapping sources `column:<header>`. */
  columns: Partial<Record<ImportColumn, number>>;
  projectId?: number;
  /** The sheet and header row chosen in the preview; absent: the ones found on upload. */
  sheet?: string;
  headerRow?: number;
}

/** GET /api/admin/imports/:id ; GET /api/admin/imports (history) ; POST /api/admin/imports/:id/cancel ; GET /api/admin/imports/:id/report.xlsx */
export interface ImportView {
  id: number;
  kind: "leads" | "calls" | null;
  status: ImportStatus;
  fileName: string;
  fileSize: number;
  total: number;
  done: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  ratePerSec: number | null;
  etaSec: number | null;
  error: string | null;
  hasReport: boolean;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  errors: { row: number; reason: string }[];
}
export interface ImportListResponse {
  items: ImportView[];
}
