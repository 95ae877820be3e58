// The widget's requests to our backend as plain data (method, path, body), built and checked here
// so that components never assemble URLs or bodies by hand.
import type { LeadPolicy } from "../../worker/src/sync/plan/lead-policy";
import type { CardResponse, LptConnectionRequest, MappingRow, MappingRowView, MappingSaveRequest, StageMapEntry, WidgetStateRequest } from "../../worker/src/api-types";

export type Method = "GET" | "POST" | "PUT";
export type CardEntity = CardResponse["entity"];

export interface ApiRequest {
  method: Method;
  path: string;
  body?: unknown;
}

const BASE = "/api/widget";

function positiveId(id: number, what: string): number {
  if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`${what} must be a positive whole number, got ${id}`);
  return id;
}

export const meRequest = (): ApiRequest => ({ method: "GET", path: `${BASE}/me` });
export const connectionRequest = (): ApiRequest => ({ method: "GET", path: `${BASE}/lptracker` });
export const metadataRequest = (): ApiRequest => ({ method: "GET", path: `${BASE}/metadata` });
export const metadataRefreshRequest = (): ApiRequest => ({ method: "POST", path: `${BASE}/metadata/refresh`, body: {} });
export const adminLinkRequest = (): ApiRequest => ({ method: "POST", path: `${BASE}/admin-link`, body: {} });

export function unsortedSettingRequest(projectId: number): ApiRequest {
  return { method: "GET", path: `${BASE}/unsorted/${positiveId(projectId, "projectId")}` };
}

/** `pipelineId` null: new leads go straight into a pipeline; else to that pipeline's incoming leads. */
export function unsortedSettingSaveRequest(projectId: number, pipelineId: number | null): ApiRequest {
  return { method: "PUT", path: `${BASE}/unsorted/${positiveId(projectId, "projectId")}`, body: { pipelineId: pipelineId === null ? null : positiveId(pipelineId, "pipelineId") } };
}

export function schemaRequest(projectId: number): ApiRequest {
  return { method: "GET", path: `${BASE}/lptracker/projects/${positiveId(projectId, "projectId")}/schema` };
}

export function mappingRequest(projectId: number): ApiRequest {
  return { method: "GET", path: `${BASE}/mapping/${positiveId(projectId, "projectId")}` };
}

export function cardRequest(entity: CardEntity, id: number): ApiRequest {
  const q = new URLSearchParams({ entity, id: String(positiveId(id, "id")) });
  return { method: "GET", path: `${BASE}/card?${q}` };
}

export function cardSyncRequest(entity: CardEntity, id: number): ApiRequest {
  return { method: "POST", path: `${BASE}/card/sync`, body: { entity, id: positiveId(id, "id") } };
}

export function cardLinkRequest(entity: CardEntity, id: number, lptLeadId: number): ApiRequest {
  return { method: "POST", path: `${BASE}/card/link`, body: { entity, id: positiveId(id, "id"), lptLeadId: positiveId(lptLeadId, "lptLeadId") } };
}

export interface ConnectionForm {
  login: string;
  password: string;
  projects: number[];
  /** Sent when amoCRM's onSave runs with evt.active 'Y' (install, save, switch on). */
  active?: boolean;
}

/**
 * Only ever built after the user ticked the consent box, hence `consent: true`. An empty password
 * is left out: the backend keeps the saved one when the login is unchanged.
 */
export function connectionSaveRequest(form: ConnectionForm): ApiRequest {
  const body: LptConnectionRequest = {
    login: form.login.trim(),
    projects: [...new Set(form.projects)].filter((id) => Number.isSafeInteger(id) && id > 0),
    consent: true,
  };
  if (form.password) body.password = form.password;
  if (form.active) body.active = true;
  return { method: "PUT", path: `${BASE}/lptracker`, body };
}

/** amoCRM's onSave: the widget switched on ('Y') or off ('N'). */
export function widgetStateRequest(active: boolean): ApiRequest {
  const body: WidgetStateRequest = { active };
  return { method: "PUT", path: `${BASE}/state`, body };
}

/** Drops the view-only `broken` marker and anything else the editor keeps beside a row. */
export function toMappingRow(row: MappingRowView | MappingRow): MappingRow {
  const { id, source, target, transform } = row;
  const cleanTarget: MappingRow["target"] = { entity: target.entity, field: target.field };
  if (target.field === "custom" && target.fieldId !== undefined) cleanTarget.fieldId = target.fieldId;
  if (target.enumCode) cleanTarget.enumCode = target.enumCode;
  return { id, source: source.trim(), target: cleanTarget, transform };
}

export function mappingSaveRequest(projectId: number, rows: (MappingRowView | MappingRow)[], stageMap: StageMapEntry[]): ApiRequest {
  const body: MappingSaveRequest = {
    rows: rows.map(toMappingRow),
    stageMap: stageMap.map((s) => ({ lptStageId: s.lptStageId, amoPipelineId: s.amoPipelineId, amoStatusId: s.amoStatusId, direction: s.direction })),
  };
  return { method: "PUT", path: `${BASE}/mapping/${positiveId(projectId, "projectId")}`, body };
}

export function leadPolicyRequest(projectId: number): ApiRequest {
  return { method: "GET", path: `${BASE}/lead-policy/${positiveId(projectId, "projectId")}` };
}

export function leadPolicySaveRequest(projectId: number, policy: LeadPolicy): ApiRequest {
  const body: LeadPolicy = {
    repeatMode: policy.repeatMode,
    repeatPipelines: [...policy.repeatPipelines],
    assignMode: policy.assignMode,
    fixedUserId: policy.fixedUserId,
    rrUsers: [...policy.rrUsers],
    staffMap: policy.staffMap.map((m) => ({ lptStaffId: m.lptStaffId, amoUserId: m.amoUserId })),
    fallbackUserId: policy.fallbackUserId,
    contactOwnerWins: policy.contactOwnerWins,
  };
  return { method: "PUT", path: `${BASE}/lead-policy/${positiveId(projectId, "projectId")}`, body };
}
