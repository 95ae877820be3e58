// Typed client of the simulator's control API (/__sim/), using only fetch so that tests running
// inside workerd can import it as well as Node tests; results are the sim's own control types.
import type {
  CreatedUser,
  CreateLeadBody,
  CreateUserBody,
  DeleteLeadBody,
  FaultPlan,
  HealthResult,
  LpTrackerBehaviour,
  OutboxQuery,
  ResendWebhookBody,
  SimLeadResult,
  SimOutgoingHook,
  SimUserState,
  UpdateLeadBody,
  WebhookSendResult,
} from "./types";

export type * from "./types";

export class LptSimControlError extends Error {
  constructor(
    public status: number,
    public body: string,
    what: string,
  ) {
    super(`LPTracker sim control ${what} failed: HTTP ${status} ${body}`);
  }
}

export class LptSimControl {
  private readonly base: string;

  /** `fetcher` lets a test route calls through a service binding instead of the network. */
  constructor(
    baseUrl: string,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.base = baseUrl.replace(/\/+$/, "");
  }

  health(): Promise<HealthResult> {
    return this.call("GET", "/__sim/health");
  }

  reset(): Promise<{ ok: true }> {
    return this.call("POST", "/__sim/reset");
  }

  createUser(body: CreateUserBody = {}): Promise<CreatedUser> {
    return this.call("POST", "/__sim/users", body);
  }

  state(login: string): Promise<SimUserState> {
    return this.call("GET", `${user(login)}/state`);
  }

  revokeTokens(login: string): Promise<{ revoked: number }> {
    return this.call("POST", `${user(login)}/revoke-tokens`);
  }

  ageTokens(login: string, seconds: number): Promise<{ aged: number }> {
    return this.call("POST", `${user(login)}/age-tokens`, { seconds });
  }

  setFaults(login: string, plan: FaultPlan | null): Promise<{ plan: FaultPlan | null }> {
    return this.call("POST", `${user(login)}/faults`, plan);
  }

  dropWebhooks(login: string, count: number): Promise<{ dropNext: number }> {
    return this.call("POST", `${user(login)}/drop-webhooks`, { count });
  }

  setPassword(login: string, password: string): Promise<{ ok: true }> {
    return this.call("POST", `${user(login)}/password`, { password });
  }

  setUserOptions(login: string, options: Partial<LpTrackerBehaviour>): Promise<{ options: LpTrackerBehaviour }> {
    return this.call("POST", `${user(login)}/options`, options);
  }

  createLead(projectId: number, body: CreateLeadBody = {}): Promise<SimLeadResult> {
    return this.call("POST", `/__sim/projects/${projectId}/leads`, body);
  }

  updateLead(leadId: number, body: UpdateLeadBody): Promise<SimLeadResult> {
    return this.call("POST", `/__sim/leads/${leadId}/update`, body);
  }

  deleteLead(leadId: number, body: DeleteLeadBody = {}): Promise<SimLeadResult> {
    return this.call("POST", `/__sim/leads/${leadId}/delete`, body);
  }

  sendWebhook(leadId: number, body: ResendWebhookBody & { fields?: string[] }): Promise<WebhookSendResult> {
    return this.call("POST", `/__sim/leads/${leadId}/webhook`, body);
  }

  /** Pending outgoing webhooks; `take: true` also clears them. */
  outbox(query: OutboxQuery = {}): Promise<SimOutgoingHook[]> {
    const q = new URLSearchParams();
    if (query.take) q.set("take", "1");
    if (query.login !== undefined) q.set("login", query.login);
    const qs = q.toString();
    return this.call("GET", `/__sim/outbox${qs ? `?${qs}` : ""}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetcher(`${this.base}${path}`, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new LptSimControlError(res.status, text, `${method} ${path}`);
    return JSON.parse(text) as T;
  }
}

const user = (login: string) => `/__sim/users/${encodeURIComponent(login)}`;
