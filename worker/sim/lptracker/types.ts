// Wire types of the LPTracker simulator: options, control-API bodies and results. Imported by the
// sim and by the fetch-only control client, so it must stay free of runtime Node imports.
import type { FaultKind, FaultPlan } from "../shared/faults";
import type { DeliveryMode, OutgoingHook } from "../shared/outbox";

export type { DeliveryMode, FaultKind, FaultPlan, OutgoingHook };

export type WebhookEncoding = "json" | "form" | "mixed";
export type StageShape = "id" | "object" | "mixed";
export type RateLimitStatus = "http503" | "json503";
/** The docs leave open whether PUT callback-url adds a hook or replaces the list (§3.1). */
export type CallbackUrlPutMode = "add" | "replace";

/** Knobs a single user may override, so a test sharing one sim can still get the other variant. */
export interface LpTrackerBehaviour {
  rateLimitPerSecond: number;
  webhookMode: DeliveryMode;
  webhookEncoding: WebhookEncoding;
  stageShape: StageShape;
  rateLimitStatus: RateLimitStatus;
  tokenIdleTtlSec: number;
  commentDelayMs: number;
  bareListArrays: boolean;
  callbackUrlPut: CallbackUrlPutMode;
  /** Lead-list items lack `custom` on the real API even when GET /lead/{id} has it (§2.5). */
  listOmitsCustom: boolean;
}

export interface LpTrackerSimOptions extends Partial<LpTrackerBehaviour> {
  /** Clock in ms; tests pass a fake one to make rate windows, token expiry and sorting exact. */
  now?: () => number;
  /** Offset of the account's local time, used for `d.m.Y H:i` strings (default Moscow, 180). */
  utcOffsetMinutes?: number;
}

export interface Stage {
  id: number;
  name: string;
  notify: boolean;
  in_leads: boolean;
  in_deals: boolean;
}

export interface Category {
  id: number;
  /** S9 reads `name`, the SDK reads `category`: both are given. */
  name: string;
  category: string;
  purpose: string | null;
}

export type CustomType = "cats" | "date" | "text" | "number";

export interface CustomField {
  id: number;
  project_id: number;
  name: string;
  type: CustomType;
  show_in_leads: boolean;
  show_in_deals: boolean;
  is_multi_select: boolean;
  is_required: boolean;
  description: string;
  is_multi_line: boolean;
  categories: Category[];
}

export type ContactFieldType = "string" | "text" | "date" | "number";

export interface ContactField {
  id: number;
  name: string;
  type: ContactFieldType;
}

export interface Staff {
  id: number;
  name: string;
  job: string;
  type: "main" | "manager";
  last_login_at: number;
  created_at: number;
}

export interface CallbackHook {
  id: number;
  name: string;
  url: string;
  created_at: number;
  updated_at: number;
  type: "lead" | "project";
  site_id: number | null;
}

export interface CallRecord {
  /** Unix seconds. */
  time: number;
  linkedid: string;
  duration: number;
  record: string | null;
  /** The docs spell the inbound type "incomming". */
  type: "incomming" | "outgoing";
  owner_id: number | null;
  disposition: string;
}

export interface Payment {
  sum: number;
  purpose_id: number | null;
  purpose_name: string | null;
  category_id: number | null;
  category_name: string | null;
}

export interface ContactDetail {
  id: number;
  type: string;
  data: string;
}

export interface CommentAuthor {
  type: string;
  id: number;
  name: string;
}

// ---- control API ----

export interface CreateUserBody {
  login?: string;
  password?: string;
  projects?: number;
  options?: Partial<LpTrackerBehaviour>;
}

export interface SimProject {
  id: number;
  name: string;
  page: string;
  domain: string;
  funnel: Stage[];
  customs: CustomField[];
  fields: ContactField[];
}

export interface CreatedUser {
  login: string;
  password: string;
  projects: SimProject[];
  staff: Staff[];
}

/** A call given to the control API; missing keys are generated. */
export type CallInput = Partial<CallRecord>;

export interface CreateLeadBody {
  name?: string;
  phone?: string;
  email?: string;
  contactName?: string;
  source?: string;
  campaign?: string;
  keyword?: string;
  /** More of the visit record: the page (`address`), `referrer`, `ip`, `click_time`, … */
  view?: Record<string, string>;
  stageId?: number;
  ownerId?: number;
  custom?: Record<string, unknown>;
  calls?: number | CallInput[];
  webhook?: boolean;
  times?: number;
}

export interface UpdateLeadBody {
  stageId?: number;
  ownerId?: number | null;
  name?: string;
  custom?: Record<string, unknown>;
  addCalls?: number | CallInput[];
  webhook?: boolean;
  times?: number;
}

export type WebhookAction = "create" | "update" | "delete";

export interface ResendWebhookBody {
  action: WebhookAction;
  times?: number;
}

export interface DeleteLeadBody {
  webhook?: boolean;
  times?: number;
}

export interface WebhookSendResult {
  /** Deliveries handed to the outbox (or POSTed in http mode). */
  queued: number;
  /** Deliveries swallowed by drop-webhooks. */
  dropped: number;
}

export interface SimComment {
  id: number;
  text: string;
  author: CommentAuthor;
  /** `d.m.Y H:i:s`, as the API shows it. */
  created_at: string;
}

export interface SimContact {
  id: number;
  projectId: number;
  name: string;
  profession: string | null;
  site: string | null;
  details: ContactDetail[];
  fields: Record<string, unknown>;
  createdAt: number;
}

export interface SimLead {
  id: number;
  projectId: number;
  contactId: number;
  name: string;
  stageId: number;
  stageName: string;
  ownerId: number | null;
  view: Record<string, unknown>;
  custom: Record<string, unknown>;
  payments: Payment[];
  calls: CallRecord[];
  comments: SimComment[];
  /** True when LPTracker was asked to phone the client (callback missing/true, or POST /lead/{id}/call). */
  dialed: boolean;
  dials: number;
  createdAt: number;
  updatedAt: number;
  leadDate: string;
  deleted: boolean;
}

export interface SimDial {
  leadId: number;
  via: "lead.callback" | "lead.call";
  at: number;
}

export interface SimProjectState extends SimProject {
  callbackUrls: CallbackHook[];
  projectCallbackUrls: CallbackHook[];
}

export interface SimUserState {
  login: string;
  password: string;
  options: LpTrackerBehaviour;
  projects: SimProjectState[];
  staff: Staff[];
  contacts: SimContact[];
  leads: SimLead[];
  dials: SimDial[];
  loginCount: number;
  failedLoginCount: number;
  activeTokens: number;
  /** Keyed by "METHOD /route/pattern", e.g. "GET /lead/:id". */
  requests: Record<string, number>;
  totalRequests: number;
  ratePeak: number;
  /** Calls refused by the rate limit. */
  rateLimited: number;
  /** Every 503 served: rate-limited calls plus injected 503 faults (survives fault reconfiguration). */
  served503: number;
  faults: { plan: FaultPlan | null; injected: Record<string, number> };
  webhooks: { pending: number; sent: number; failed: number; failures: string[]; dropped: number; dropNext: number };
}

export interface SimOutgoingHook extends OutgoingHook {
  login: string;
}

export interface SimLeadResult extends SimLead {
  webhooks: WebhookSendResult;
}

export interface OutboxQuery {
  /** Clear what is returned (the `take=1` query). */
  take?: boolean;
  /** Only this user's webhooks; tests sharing a sim should always pass it. */
  login?: string;
}

export interface HealthResult {
  ok: true;
  users: number;
  options: LpTrackerBehaviour;
}
