// Typed client for the amoCRM simulator's /__sim/ control API. Uses only fetch, so tests running
// inside workerd can import it as well as Node tests.
import type { OutgoingHook } from "../shared/outbox";
import type { DpAction } from "./digital-pipeline";
import type { UnsortedEntry } from "./amocrm-unsorted";
import type { ReshapeRule } from "./reshape";
import type {
  AccountInfo,
  AccountState,
  Contact,
  CreateAccountInput,
  DisconnectVariant,
  EntityType,
  IssuedCode,
  Lead,
  SimFaultPlan,
  SimUser,
  SimUserGroup,
  SimUserInput,
  TokenResponse,
} from "./types";

export type SimUnsortedView = UnsortedEntry & {
  lead: { id: number; name: string; price: number; status_id: number; pipeline_id: number } | null;
  contacts: { id: number; name: string }[];
};

export class AmoSimControlError extends Error {
  constructor(
    public status: number,
    public body: unknown,
    call: string,
  ) {
    super(`amoCRM sim control ${call} answered ${status}: ${JSON.stringify(body)}`);
  }
}

/** Lead fields a simulated user can set from the UI (same shape as the API's lead body). */
export type UserLeadInput = Record<string, unknown> & { user_id?: number };

export class AmoSimControl {
  private base: string;

  constructor(
    baseUrl: string,
    private fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.base = baseUrl.replace(/\/+$/, "");
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const res = await this.fetcher(`${this.base}/__sim${path}`, init);
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) throw new AmoSimControlError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  createAccount(input: CreateAccountInput = {}): Promise<AccountInfo> {
    return this.call("POST", "/accounts", input);
  }

  account(accountId: number): Promise<AccountInfo> {
    return this.call("GET", `/accounts/${accountId}`);
  }

  /** An authorization code for the sim's client id, as if the user (default: the admin) clicked "Allow". */
  issueCode(accountId: number, userId?: number): Promise<IssuedCode> {
    return this.call("POST", `/accounts/${accountId}/codes`, userId === undefined ? {} : { user_id: userId });
  }

  /** A token pair without the code exchange (not counted as a refresh or an exchange). */
  issueTokens(accountId: number, userId?: number): Promise<TokenResponse> {
    return this.call("POST", `/accounts/${accountId}/tokens`, userId === undefined ? {} : { user_id: userId });
  }

  /** Makes the account's live access tokens expired, to force a refresh. */
  expireTokens(accountId: number): Promise<{ expired: number }> {
    return this.call("POST", `/accounts/${accountId}/expire-tokens`, {});
  }

  /** Renames the account's subdomain: the old domain then answers 404 to refreshes and 401 to API calls. */
  move(accountId: number, subdomain: string): Promise<AccountInfo> {
    return this.call("POST", `/accounts/${accountId}/move`, { subdomain });
  }

  revoke(accountId: number): Promise<{ revoked: true }> {
    return this.call("POST", `/accounts/${accountId}/revoke`, {});
  }

  setFaults(accountId: number, plan: SimFaultPlan | null): Promise<{ plan: SimFaultPlan | null }> {
    return this.call("POST", `/accounts/${accountId}/faults`, plan);
  }

  /** Answers of the named routes come back in another shape until cleared with null (see sim/amocrm/reshape.ts). */
  reshape(accountId: number, rules: ReshapeRule | ReshapeRule[] | null): Promise<{ rules: ReshapeRule[] }> {
    return this.call("POST", `/accounts/${accountId}/reshape`, rules);
  }

  /** The next `count` outgoing webhooks of the account are lost (0 cancels). */
  dropWebhooks(accountId: number, count: number): Promise<{ drops_left: number }> {
    return this.call("POST", `/accounts/${accountId}/drop-webhooks`, { count });
  }

  deleteCustomField(accountId: number, entity: EntityType, fieldId: number): Promise<{ deleted: true }> {
    return this.call("DELETE", `/accounts/${accountId}/custom-fields/${entity}/${fieldId}`);
  }

  /** A user creates a lead in the UI: fires add_lead with modified_user_id = that user. */
  createLead(accountId: number, lead: UserLeadInput): Promise<Lead> {
    return this.call("POST", `/accounts/${accountId}/leads`, lead);
  }

  /** A user edits a lead in the UI: fires update_lead (and status_lead when the status changes). */
  updateLead(accountId: number, leadId: number, changes: UserLeadInput): Promise<Lead> {
    return this.call("PATCH", `/accounts/${accountId}/leads/${leadId}`, changes);
  }

  /** A user drags a lead to another status (pipeline defaults to the lead's own): fires status_lead. */
  moveLeadStatus(accountId: number, leadId: number, move: { status_id: number; pipeline_id?: number; user_id?: number }): Promise<Lead> {
    return this.call("POST", `/accounts/${accountId}/leads/${leadId}/status`, move);
  }

  /** Saves a Digital Pipeline widget action on a status (what amoCRM keeps after the DP settings modal). */
  saveDpAction(accountId: number, action: { id?: number; pipeline_id: number; status_id: number; widget_code: string; webhook_url: string; settings: Record<string, string | number> }): Promise<DpAction> {
    return this.call("POST", `/accounts/${accountId}/dp/actions`, action);
  }

  dpActions(accountId: number): Promise<{ actions: DpAction[] }> {
    return this.call("GET", `/accounts/${accountId}/dp/actions`);
  }

  /** A user drags the lead into a status; every DP action there posts its hook (form-encoded unless `format: "json"`). */
  moveLeadWithDp(accountId: number, move: { lead_id: number; status_id: number; pipeline_id?: number; format?: "form" | "json"; user_id?: number }): Promise<{ lead: Lead; dp_hooks: OutgoingHook[] }> {
    return this.call("POST", `/accounts/${accountId}/dp/move`, move);
  }

  /** Every incoming lead of the account («Неразобранное»), processed ones included, with its lead and contacts. */
  unsorted(accountId: number): Promise<{ entries: SimUnsortedView[] }> {
    return this.call("GET", `/accounts/${accountId}/unsorted`);
  }

  /** A manager accepts an incoming lead (or, with `lead_id`, attaches it to that existing lead): fires delete_unsorted. */
  acceptUnsorted(accountId: number, uid: string, opts: { user_id?: number; status_id?: number; lead_id?: number } = {}): Promise<SimUnsortedView> {
    return this.call("POST", `/accounts/${accountId}/unsorted/${uid}/accept`, opts);
  }

  /** A manager declines an incoming lead: its lead and new contacts are deleted; fires delete_unsorted. */
  declineUnsorted(accountId: number, uid: string, opts: { user_id?: number } = {}): Promise<SimUnsortedView> {
    return this.call("POST", `/accounts/${accountId}/unsorted/${uid}/decline`, opts);
  }

  /** A user creates a contact in the UI: fires add_contact. */
  createContact(accountId: number, contact: Record<string, unknown> & { user_id?: number }): Promise<Contact> {
    return this.call("POST", `/accounts/${accountId}/contacts`, contact);
  }

  /** A user disables the integration: tokens are revoked (unless `revoke: false`) and the signed hook is queued. */
  disconnect(accountId: number, url: string, variant: DisconnectVariant = "query", revoke = true): Promise<OutgoingHook> {
    return this.call("POST", `/accounts/${accountId}/disconnect`, { url, variant, revoke });
  }

  /** An admin adds a user to the account (rights left out keep the defaults). */
  addUser(accountId: number, user: SimUserInput): Promise<SimUser> {
    return this.call("POST", `/accounts/${accountId}/users`, user);
  }

  /** An admin changes a user's rights, group or admin flag; rights given replace those actions only. */
  updateUser(accountId: number, userId: number, changes: Partial<Omit<SimUserInput, "name">> & { name?: string }): Promise<SimUser> {
    return this.call("PATCH", `/accounts/${accountId}/users/${userId}`, changes);
  }

  /** An admin creates a user group. */
  addGroup(accountId: number, name: string): Promise<SimUserGroup> {
    return this.call("POST", `/accounts/${accountId}/groups`, { name });
  }

  /** Closes (or reopens) /api/v4/users to the integration: it then answers 403 problem+json. */
  forbidUsersApi(accountId: number, forbidden = true): Promise<{ forbidden: boolean }> {
    return this.call("POST", `/accounts/${accountId}/users-api`, { forbidden });
  }

  /** An account admin changes a user's admin right or deactivates the user. */
  setUserRights(accountId: number, userId: number, rights: { is_admin?: boolean; is_active?: boolean }): Promise<{ id: number; is_admin: boolean; is_active: boolean }> {
    return this.call("POST", `/accounts/${accountId}/user-rights`, { user_id: userId, ...rights });
  }

  state(accountId: number): Promise<AccountState> {
    return this.call("GET", `/accounts/${accountId}/state`);
  }

  /** Pending outgoing hooks, oldest first; `take` (default) hands them over so they are not returned again. */
  async takeOutbox(options: { accountId?: number; take?: boolean } = {}): Promise<OutgoingHook[]> {
    const search = new URLSearchParams();
    if (options.take !== false) search.set("take", "1");
    if (options.accountId !== undefined) search.set("account_id", String(options.accountId));
    const { hooks } = await this.call<{ hooks: OutgoingHook[] }>("GET", `/outbox?${search}`);
    return hooks;
  }

  /** Public key of the sim's access-token signer. */
  jwks(): Promise<{ keys: JsonWebKey[] }> {
    return this.call("GET", "/jwks");
  }

  /** Forgets every account: only for a sim that no parallel test shares. */
  reset(): Promise<{ ok: true }> {
    return this.call("POST", "/reset", {});
  }
}
