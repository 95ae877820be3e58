// Requests of the Digital Pipeline settings and the list action; their shapes come from the API
// contract (worker/src/contracts/widget.ts).
import type { Transport } from "../api";
import { toApiError } from "../problem";
import type { ActionOptions, ActionProject, ListJobResponse, ListSyncRequest, ListSyncStarted } from "../../../worker/src/api-types";

export type { ActionOptions, ActionProject };
/** What the list panel reads of a job (it shows a started job before the first poll answers). */
export type ListJobView = Omit<ListJobResponse, "entity" | "projectId">;
export type ItemStatus = ListJobResponse["items"][number]["status"];
export type SelectedEntity = ListSyncRequest["selected"][number];

export interface ActionApi {
  options(dp: boolean): Promise<ActionOptions>;
  startList(body: ListSyncRequest): Promise<ListSyncStarted>;
  listJob(id: number): Promise<ListJobView>;
}

export function createActionApi(transport: Transport): ActionApi {
  const send = async <R,>(method: "GET" | "POST", path: string, body?: unknown): Promise<R> => {
    try {
      return (await transport.request(method, path, body)) as R;
    } catch (err) {
      throw toApiError(err);
    }
  };
  return {
    options: (dp) => send("GET", `/api/widget/actions/options${dp ? "?dp=1" : ""}`),
    startList: (body) => send("POST", "/api/widget/list-sync", body),
    listJob: (id) => send("GET", `/api/widget/list-sync/${id}`),
  };
}
