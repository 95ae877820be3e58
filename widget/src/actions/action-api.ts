// Requests of the Digital Pipeline settings and the list action, and the shapes they answer with
// (worker/src/routes/widget-actions.ts).
import type { Transport } from "../api";
import { toApiError } from "../problem";

export interface ActionProject {
  id: number;
  name: string;
  stages: { id: number; name: string }[];
  error: string | null;
}

export interface ActionOptions {
  projects: ActionProject[];
  actions: string[];
  commentMax: number;
  listMax: number;
  dpKey?: string;
  dpWebhookUrl?: string;
}

export type ItemStatus = "pending" | "created" | "updated" | "skipped" | "failed";

export interface ListJobView {
  id: number;
  status: "queued" | "running" | "done" | "failed";
  total: number;
  countSelected: number;
  done: number;
  counts: Record<ItemStatus, number>;
  error: string | null;
  items: { type: "lead" | "contact" | "company"; id: number; name: string | null; status: ItemStatus; code: string | null; reason: string | null; lptLeadIds: number[] }[];
}

export interface SelectedEntity {
  id: number;
  type?: "lead" | "contact" | "company";
  name?: string;
}

export interface ActionApi {
  options(dp: boolean): Promise<ActionOptions>;
  startList(body: { entity: "leads" | "contacts"; projectId: number; countSelected: number; selected: SelectedEntity[] }): Promise<{ jobId: number; total: number; countSelected: number }>;
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
