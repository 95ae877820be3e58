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
} from "../../worker/src/api-types";
import { toApiError } from "./problem";
import * as req from "./requests";

/** What script.js passes in: one promise-based call over `self.$authorizedAjax`. */
export interface Transport {
  request(method: req.Method, path: string, body?: unknown): Promise<unknown>;
}

export interface WidgetApi {
  me(): Promise<MeResponse>;
  connection(): Promise<LptConnectionResponse>;
  saveConnection(form: req.ConnectionForm): Promise<LptConnectionResponse>;
  schema(projectId: number): Promise<LptProjectSchema>;
  metadata(): Promise<MetadataResponse>;
  refreshMetadata(): Promise<MetadataResponse>;
  mapping(projectId: number): Promise<MappingResponse>;
  saveMapping(projectId: number, rows: MappingRowView[], stageMap: StageMapEntry[]): Promise<MappingResponse>;
  card(entity: req.CardEntity, id: number): Promise<CardResponse>;
  syncCard(entity: req.CardEntity, id: number): Promise<CardSyncResponse>;
  linkCard(entity: req.CardEntity, id: number, lptLeadId: number): Promise<unknown>;
  adminLink(): Promise<AdminLinkResponse>;
}

export function createApi(transport: Transport): WidgetApi {
  const send = async <R>(r: req.ApiRequest): Promise<R> => {
    try {
      return (await transport.request(r.method, r.path, r.body)) as R;
    } catch (err) {
      throw toApiError(err);
    }
  };
  return {
    me: () => send(req.meRequest()),
    connection: () => send(req.connectionRequest()),
    saveConnection: (form) => send(req.connectionSaveRequest(form)),
    schema: (projectId) => send(req.schemaRequest(projectId)),
    metadata: () => send(req.metadataRequest()),
    refreshMetadata: () => send(req.metadataRefreshRequest()),
    mapping: (projectId) => send(req.mappingRequest(projectId)),
    saveMapping: (projectId, rows, stageMap) => send(req.mappingSaveRequest(projectId, rows, stageMap)),
    card: (entity, id) => send(req.cardRequest(entity, id)),
    syncCard: (entity, id) => send(req.cardSyncRequest(entity, id)),
    linkCard: (entity, id, lptLeadId) => send(req.cardLinkRequest(entity, id, lptLeadId)),
    adminLink: () => send(req.adminLinkRequest()),
  };
}
