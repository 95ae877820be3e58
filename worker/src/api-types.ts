// The HTTP API's request and response shapes, imported by the widget and the admin page so that
// neither redeclares them. Errors are always RFC 9457 problem+json: ApiProblem.
import type { AmoMetadata, MappingRowView, MappingRow, StageMapEntry, Rule, RuleAction, RulePlan, RuleTrigger, RuleGroup } from "./sync/types";

export type { AmoMetadata, MappingRowView, MappingRow, StageMapEntry, Rule, RuleAction, RulePlan, RuleTrigger, RuleGroup };

export interface ApiProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  /** Validation problems may name the field at fault. */
  field?: string;
  missing?: string[];
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
  /** When nothing is linked: LPTracker leads found by the card's phone, to link with one click. */
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

/** Rules: GET/POST /api/admin/rules, PUT/DELETE /api/admin/rules/:id, POST /api/admin/rules/reorder { ids }, POST /api/admin/rules/:id/dry-run { eventId } | { payload }. */
export type RuleInput = Omit<Rule, "id" | "position">;
export interface RuleListResponse {
  items: Rule[];
}
export interface DryRunResponse {
  plan: RulePlan;
  /** The facts the rule saw, for the user to understand the result. */
  facts: Record<string, unknown>;
  writes: false;
}

export type ImportStatus = "uploaded" | "parsing" | "processing" | "done" | "failed" | "cancelled";
export type ImportColumn = "phone" | "email" | "name" | "result" | "duration" | "date" | "operator" | "comment" | "recording";

/** POST /api/admin/imports (multipart: file) */
export interface ImportUploadResponse {
  id: number;
  fileName: string;
  headers: string[];
  rows: unknown[][];
  totalRows: number;
  detected: Partial<Record<ImportColumn, number>>;
}

/** POST /api/admin/imports/:id/start */
export interface ImportStartRequest {
  kind: "leads" | "calls";
  /** Column index per field; for leads, extra columns map to mapping sources `column:<header>`. */
  columns: Partial<Record<ImportColumn, number>>;
  projectId?: number;
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
