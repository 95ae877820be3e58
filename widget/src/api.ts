// The typed client of our backend the components use. It runs every request through the transport
// script.js hands over, which wraps amoCRM's `self.$authorizedAjax` (X-Auth-Token).
import type {
  AdminLinkResponse,
  CardResponse,
  CardSyncResponse,
  LptConnectionResponse,
  LptProjectSchema,
  MappingResponse,
  MappingRowView,
  MeResponse,
  MetadataResponse,
  StageMapEntry,
  UnsortedSettingResponse,
} from "../../worker/src/api-types";
import type { LeadPolicy, LeadPolicyResponse } from "../../worker/src/sync/plan/lead-policy";
import { toApiError } from "./problem";
import * as req from "./requests";

/** What script.js passes in: one promise-based call over `self.$authorizedAjax`. */
export interface Transport {
  request(method: req.Method, path: string, body?: unknown): Promise<unknown>;
}

/** What the card panel needs: a bundle of its own, so it carries only these requests. */
export interface CardApi {
  me(): Promise<MeResponse>;
  card(entity: req.CardEntity, id: number): Promise<CardResponse>;
  syncCard(entity: req.CardEntity, id: number): Promise<CardSyncResponse>;
  linkCard(entity: req.CardEntity, id: number, lptLeadId: number): Promise<unknown>;
}

export interface WidgetApi extends CardApi {
  connection(): Promise<LptConnectionResponse>;
  saveConnection(form: req.ConnectionForm): Promise<LptConnectionResponse>;
  setActive(active: boolean): Promise<MeResponse>;
  schema(projectId: number): Promise<LptProjectSchema>;
  metadata(): Promise<MetadataResponse>;
  refreshMetadata(): Promise<MetadataResponse>;
  mapping(projectId: number): Promise<MappingResponse>;
  saveMapping(projectId: number, rows: MappingRowView[], stageMap: StageMapEntry[]): Promise<MappingResponse>;
  adminLink(): Promise<AdminLinkResponse>;
  unsortedSetting(projectId: number): Promise<UnsortedSettingResponse>;
  saveUnsortedSetting(projectId: number, pipelineId: number | null): Promise<UnsortedSettingResponse>;
  leadPolicy(projectId: number): Promise<LeadPolicyResponse>;
  saveLeadPolicy(projectId: number, policy: LeadPolicy): Promise<LeadPolicyResponse>;
}

type Send = <R>(r: req.ApiRequest) => Promise<R>;

function sender(transport: Transport): Send {
  return async <R>(r: req.ApiRequest): Promise<R> => {
    try {
      return (await transport.request(r.method, r.path, r.body)) as R;
    } catch (err) {
      throw toApiError(err);
    }
  };
}

export function createCardApi(transport: Transport): CardApi {
  const send = sender(transport);
  return {
    me: () => send(req.meRequest()),
    card: (entity, id) => send(req.cardRequest(entity, id)),
    syncCard: (entity, id) => send(req.cardSyncRequest(entity, id)),
    linkCard: (entity, id, lptLeadId) => send(req.cardLinkRequest(entity, id, lptLeadId)),
  };
}

export function createApi(transport: Transport): WidgetApi {
  const send = sender(transport);
  return {
    ...createCardApi(transport),
    connection: () => send(req.connectionRequest()),
    saveConnection: (form) => send(req.connectionSaveRequest(form)),
    setActive: (active) => send(req.widgetStateRequest(active)),
    schema: (projectId) => send(req.schemaRequest(projectId)),
    metadata: () => send(req.metadataRequest()),
    refreshMetadata: () => send(req.metadataRefreshRequest()),
    mapping: (projectId) => send(req.mappingRequest(projectId)),
    saveMapping: (projectId, rows, stageMap) => send(req.mappingSaveRequest(projectId, rows, stageMap)),
    adminLink: () => send(req.adminLinkRequest()),
    unsortedSetting: (projectId) => send(req.unsortedSettingRequest(projectId)),
    saveUnsortedSetting: (projectId, pipelineId) => send(req.unsortedSettingSaveRequest(projectId, pipelineId)),
    leadPolicy: (projectId) => send(req.leadPolicyRequest(projectId)),
    saveLeadPolicy: (projectId, policy) => send(req.leadPolicySaveRequest(projectId, policy)),
  };
}
