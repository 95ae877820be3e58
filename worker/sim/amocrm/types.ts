// Data model of the amoCRM simulator and the shapes its control API returns. Type-only, so the
// control client can import it from inside workerd without pulling in Node code.
import type { OutgoingHook } from "../shared/outbox";

/**
 * Mirror of shared/faults' FaultPlan: that module imports node:http, which workerd-side importers of
 * the control client cannot type-check. control-routes.ts asserts that both stay identical.
 */
export interface SimFaultPlan {
  rate: number;
  kinds: Array<"403" | "429" | "500" | "502" | "503" | "timeout" | "reset">;
  seed: number;
  timeoutMs?: number;
  paths?: string[];
  burst?: number;
}

export type EntityType = "leads" | "contacts";

export type FieldType =
  | "text"
  | "textarea"
  | "url"
  | "numeric"
  | "checkbox"
  | "select"
  | "multiselect"
  | "radiobutton"
  | "multitext"
  | "date"
  | "date_time"
  | "birthday"
  | "tracking_data";

/** amoCRM's access levels: A all, G the responsible user's group, M own (responsible), D none. */
export type SimAccess = "A" | "G" | "M" | "D";

export interface SimEntityRights {
  view: SimAccess;
  edit: SimAccess;
  /** Only A or D in amoCRM. */
  add: "A" | "D";
  delete: SimAccess;
  export: SimAccess;
}

/** A pipeline status's own rights for leads, overriding the base lead rights there (A or D in amoCRM). */
export interface SimStatusRight {
  entity_type: "leads";
  pipeline_id: number;
  status_id: number;
  rights: { view: SimAccess; edit: SimAccess; delete: SimAccess; export?: SimAccess };
}

export interface SimUser {
  id: number;
  name: string;
  email: string;
  is_admin: boolean;
  /** A deactivated user (amoCRM keeps them, with rights.is_active false); active unless set. */
  is_active?: boolean;
  /** The user's group (amoCRM's first group, «Отдел продаж», has id 0). */
  group_id: number;
  role_id: number | null;
  rights: { leads: SimEntityRights; contacts: SimEntityRights; companies: SimEntityRights; status_rights: SimStatusRight[] };
}

export interface SimUserGroup {
  id: number;
  name: string;
}

/** What a test may set on a user; rights left out keep amoCRM's defaults (admin: all A). */
export interface SimUserInput {
  name: string;
  email?: string;
  is_admin?: boolean;
  group_id?: number;
  rights?: {
    leads?: Partial<SimEntityRights>;
    contacts?: Partial<SimEntityRights>;
    companies?: Partial<SimEntityRights>;
    status_rights?: SimStatusRight[];
  };
}

export interface EnumOption {
  id: number;
  value: string;
  sort: number;
}

export interface CustomField {
  id: number;
  name: string;
  type: FieldType;
  code: string | null;
  sort: number;
  entity_type: EntityType;
  enums: EnumOption[] | null;
  is_predefined: boolean;
  is_deletable: boolean;
}

export interface FieldValue {
  value: string | number | boolean;
  enum_id?: number;
  enum_code?: string;
}

/** A field's values as amoCRM returns them inside `custom_fields_values`. */
export interface StoredFieldValues {
  field_id: number;
  field_name: string;
  field_code: string | null;
  field_type: FieldType;
  values: FieldValue[];
}

export interface Status {
  id: number;
  name: string;
  sort: number;
  is_editable: boolean;
  pipeline_id: number;
  color: string;
  /** 1 = "unsorted" (incoming leads), which the API may not set. */
  type: 0 | 1;
}

export interface Pipeline {
  id: number;
  name: string;
  sort: number;
  is_main: boolean;
  statuses: Status[];
}

export interface TaskType {
  id: number;
  name: string;
  code: string | null;
}

export interface Tag {
  id: number;
  name: string;
}

export interface Contact {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  responsible_user_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  custom_fields_values: StoredFieldValues[];
  tag_ids: number[];
}

export interface Lead {
  id: number;
  name: string;
  price: number;
  status_id: number;
  pipeline_id: number;
  responsible_user_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  custom_fields_values: StoredFieldValues[];
  tag_ids: number[];
  /** Linked contacts; the first one is the main contact. */
  contact_ids: number[];
  company_id: number | null;
}

export interface Company {
  id: number;
  name: string;
  created_at: number;
}

export interface Note {
  id: number;
  entity_type: EntityType;
  entity_id: number;
  note_type: string;
  params: Record<string, unknown>;
  created_by: number;
  responsible_user_id: number;
  created_at: number;
  updated_at: number;
}

export interface Task {
  id: number;
  text: string;
  complete_till: number;
  entity_id: number | null;
  entity_type: EntityType | null;
  task_type_id: number;
  responsible_user_id: number;
  is_completed: boolean;
  duration: number;
  result: { text?: string } | null;
  created_by: number;
  created_at: number;
  updated_at: number;
}

export interface Call {
  id: number;
  direction: "inbound" | "outbound";
  phone: string;
  uniq: string | null;
  duration: number;
  source: string;
  link: string | null;
  call_status: number | null;
  call_result: string | null;
  call_responsible: number | string | null;
  responsible_user_id: number;
  created_at: number;
  entity_id: number;
  entity_type: EntityType;
  note_id: number;
}

export interface Webhook {
  id: number;
  destination: string;
  settings: string[];
  sort: number;
  disabled: boolean;
  created_by: number;
  created_at: number;
  updated_at: number;
}

/** What `POST /__sim/accounts` and `GET /__sim/accounts/:id` answer. */
export interface AccountInfo {
  id: number;
  name: string;
  subdomain: string;
  /** `{subdomain}.amocrm.ru`: what the Worker stores as the account domain (the `referer`). */
  domain: string;
  api_domain: string;
  previous_domains: string[];
  users: SimUser[];
  groups: SimUserGroup[];
  admin_user_id: number;
  pipelines: Pipeline[];
  custom_fields: { leads: CustomField[]; contacts: CustomField[] };
  task_types: TaskType[];
}

export interface CreateAccountInput {
  id?: number;
  subdomain?: string;
  name?: string;
  users?: SimUserInput[];
  /** User groups besides the default group 0 («Отдел продаж»). */
  groups?: SimUserGroup[];
}

export interface TokenResponse {
  token_type: "Bearer";
  expires_in: number;
  access_token: string;
  refresh_token: string;
  server_time: number;
}

export interface IssuedCode {
  code: string;
  /** Unix seconds. */
  expires_at: number;
  /** The account domain amoCRM would pass as `referer` with the code. */
  referer: string;
  client_id: string;
}

export type DisconnectVariant = "query" | "json" | "form";

/** Snapshot of one account for assertions (`GET /__sim/accounts/:id/state`). */
export interface AccountState {
  account: AccountInfo & { tokens_revoked: boolean };
  /** `tags` repeats the names behind `tag_ids`, for readable assertions. */
  contacts: Array<Contact & { tags: string[] }>;
  leads: Array<Lead & { tags: string[] }>;
  companies: Company[];
  notes: Note[];
  tasks: Task[];
  calls: Call[];
  webhooks: Webhook[];
  tags: Tag[];
  oauth: {
    /** Every `grant_type=refresh_token` call attributed to this account, failed ones included. */
    refresh_calls: number;
    refresh_succeeded: number;
    code_exchanges: number;
  };
  /** Calls per `METHOD /path/{id}` pattern, OAuth included. */
  requests: Record<string, number>;
  rate: {
    limit_per_second: number;
    /** Most calls seen in any one second (refused ones included). */
    peak: number;
    /** Most calls accepted (not 429) in any one second. */
    accepted_peak: number;
    too_many_requests: number;
    /** Calls answered with the 403 HTML block page. */
    forbidden: number;
    /** Unix ms until which the account is blocked, 0 when not. */
    blocked_until: number;
  };
  faults: { plan: SimFaultPlan | null; injected: Record<string, number> };
  outgoing: {
    pending: number;
    sent: OutgoingHook[];
    dropped: OutgoingHook[];
    drops_left: number;
  };
}
