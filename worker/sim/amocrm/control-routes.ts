// The /__sim/ control API: tests and the sandbox create accounts, issue codes, play the user
// (moving leads, revoking access, disabling the integration), inject faults and read state.
import type { FaultPlan } from "../shared/faults";
import type { OutgoingHook } from "../shared/outbox";
import { validateAll } from "./batch";
import { createContact, readContact } from "./contacts-model";
import { deleteField } from "./custom-fields";
import { isRecord, json, readBody, renderError } from "./http";
import type { JwtSigner } from "./jwt";
import { createLead, readLead, updateLead } from "./leads-model";
import { expireAccessTokens, issueCode, issueTokens, revokeTokens } from "./oauth";
import { accountConflict, adminOf, buildUser, completeRights, seedAccount, SUBDOMAIN_PATTERN } from "./seed";
import { accountInfo, accountState } from "./state";
import { domainOf, type Account, type Store } from "./store";
import type { CreateAccountInput, DisconnectVariant, EntityType, SimFaultPlan, SimStatusRight, SimUser, SimUserInput } from "./types";
import { emitContactChanges, emitLeadChanges, sendDisconnect } from "./webhooks";
import { dpControl, DpControlError } from "./digital-pipeline";
import { unsortedControl, UnsortedControlError } from "./amocrm-unsorted";
import { readReshapeRules } from "./reshape";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile when SimFaultPlan drifts from the shared FaultPlan. */
export const faultPlanMirrorsShared: Same<FaultPlan, SimFaultPlan> = true;

class ControlError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

function actingUser(account: Account, body: Record<string, unknown>): number {
  if (body.user_id === undefined) return adminOf(account).id;
  const id = Number(body.user_id);
  if (!account.users.some((u) => u.id === id)) throw new ControlError(400, `user ${id} is not in account ${account.id}`);
  return id;
}

function createAccount(store: Store, body: Record<string, unknown>): Response {
  const input = body as CreateAccountInput;
  const conflict = accountConflict(store, input);
  if (conflict) throw new ControlError(409, conflict);
  return json(accountInfo(seedAccount(store, input)), 201);
}

function move(store: Store, account: Account, body: Record<string, unknown>): Response {
  const subdomain = String(body.subdomain ?? "");
  if (!SUBDOMAIN_PATTERN.test(subdomain) || store.bySubdomain(subdomain)) throw new ControlError(409, `subdomain ${subdomain} is taken or invalid`);
  account.previousDomains.push(domainOf(account));
  account.subdomain = subdomain;
  return json(accountInfo(account));
}

function userLeadWrite(store: Store, account: Account, body: Record<string, unknown>, leadId?: number): Response {
  const userId = actingUser(account, body);
  const { user_id: _ignored, ...fields } = body;
  if (leadId !== undefined && !account.leads.has(leadId)) throw new ControlError(404, `lead ${leadId} not found`);
  const update = leadId !== undefined;
  const [draft] = validateAll([update ? { ...fields, id: leadId } : fields], (raw, errors) => readLead(account, raw, errors, { update }));
  const change = update ? updateLead(store, account, account.leads.get(leadId)!, draft!, userId) : createLead(store, account, draft!, userId);
  emitLeadChanges(store, account, [change], userId);
  return json(structuredClone(change.lead), update ? 200 : 201);
}

function userContactWrite(store: Store, account: Account, body: Record<string, unknown>): Response {
  const userId = actingUser(account, body);
  const { user_id: _ignored, ...fields } = body;
  const [draft] = validateAll([fields], (raw, errors) => readContact(account, raw, errors, { update: false }));
  const contact = createContact(store, account, draft!, userId);
  emitContactChanges(store, account, "add", [contact], userId);
  return json(structuredClone(contact), 201);
}

function checkGroup(account: Account, groupId: unknown): void {
  if (groupId !== undefined && !account.groups.some((g) => g.id === groupId)) throw new ControlError(400, `group ${String(groupId)} is not in account ${account.id}`);
}

function addUser(store: Store, account: Account, body: Record<string, unknown>): Response {
  if (typeof body.name !== "string" || !body.name.trim()) throw new ControlError(400, "name is required");
  checkGroup(account, body.group_id);
  const user = buildUser(store, body as unknown as SimUserInput, `user${account.users.length + 1}@${account.subdomain}.example.com`);
  account.users.push(user);
  return json(user, 201);
}

function updateUser(account: Account, userId: number, body: Record<string, unknown>): Response {
  const user = account.users.find((u) => u.id === userId);
  if (!user) throw new ControlError(404, `user ${userId} not found`);
  const input = body as Partial<SimUserInput>;
  checkGroup(account, input.group_id);
  if (typeof input.name === "string") user.name = input.name;
  if (typeof input.is_admin === "boolean") user.is_admin = input.is_admin;
  if (input.group_id !== undefined) user.group_id = input.group_id;
  const rights = input.rights;
  if (rights) {
    const merged: SimUser["rights"] = { ...user.rights };
    for (const entity of ["leads", "contacts", "companies"] as const) {
      if (rights[entity]) merged[entity] = completeRights({ ...user.rights[entity], ...rights[entity] }, user.rights[entity].view);
    }
    if (rights.status_rights) merged.status_rights = rights.status_rights.map((r: SimStatusRight) => ({ ...r, entity_type: "leads" as const }));
    user.rights = merged;
  }
  return json(user);
}

function setFaults(account: Account, body: unknown): Response {
  if (body !== null && body !== undefined && !(isRecord(body) && typeof body.rate === "number" && Array.isArray(body.kinds))) {
    throw new ControlError(400, "faults body must be a FaultPlan {rate, kinds, seed, ...} or null");
  }
  account.faults.configure((body ?? null) as FaultPlan | null);
  return json({ plan: account.faults.current });
}

async function disconnect(store: Store, account: Account, body: Record<string, unknown>): Promise<Response> {
  const variant = (body.variant ?? "query") as DisconnectVariant;
  if (!["query", "json", "form"].includes(variant)) throw new ControlError(400, "variant must be query, json or form");
  if (typeof body.url !== "string" || !/^https?:\/\//.test(body.url)) throw new ControlError(400, "url must be an http(s) URL");
  // Disabling the integration also ends its access, unless the test wants the tokens kept.
  if (body.revoke !== false) revokeTokens(store, account);
  return json(await sendDisconnect(store, account, body.url, variant));
}

function outbox(store: Store, url: URL): Response {
  const take = url.searchParams.get("take") === "1";
  const only = url.searchParams.get("account_id");
  const hooks: OutgoingHook[] = [];
  for (const account of store.accounts.values()) {
    if (only !== null && String(account.id) !== only) continue;
    hooks.push(...(take ? account.outbox.take() : account.outbox.pending));
  }
  hooks.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  return json({ hooks });
}

type AccountAction = (account: Account, body: Record<string, unknown>, raw: unknown) => Response | Promise<Response>;

function accountActions(store: Store, signer: JwtSigner): Record<string, AccountAction> {
  return {
    "GET ": (a) => json(accountInfo(a)),
    "GET state": (a) => json(accountState(store, a)),
    "POST codes": (a, body) => json(issueCode(store, a, actingUser(a, body)), 201),
    "POST tokens": async (a, body) => json(await issueTokens(store, signer, a, actingUser(a, body)), 201),
    "POST expire-tokens": (a) => json({ expired: expireAccessTokens(store, a) }),
    "POST move": (a, body) => move(store, a, body),
    "POST revoke": (a) => {
      revokeTokens(store, a);
      return json({ revoked: true });
    },
    "POST faults": (a, _body, raw) => setFaults(a, raw),
    // Answers of a route come back in another shape (a field dropped or replaced); null clears.
    "POST reshape": (a, _body, raw) => {
      const rules = readReshapeRules(raw);
      if (typeof rules === "string") throw new ControlError(400, rules);
      a.reshape = rules;
      return json({ rules });
    },
    "POST drop-webhooks": (a, body) => {
      const count = Number(body.count ?? 1);
      if (!Number.isInteger(count) || count < 0) throw new ControlError(400, "count must be a non-negative integer");
      a.dropWebhooks = count;
      return json({ drops_left: count });
    },
    "POST disconnect": (a, body) => disconnect(store, a, body),
    // An account admin changes a user's rights in amoCRM's settings (admin right, deactivation).
    "POST user-rights": (a, body) => {
      const user = a.users.find((u) => u.id === Number(body.user_id));
      if (!user) throw new ControlError(404, `no user ${String(body.user_id)} in account ${a.id}`);
      if (typeof body.is_admin === "boolean") user.is_admin = body.is_admin;
      if (typeof body.is_active === "boolean") user.is_active = body.is_active;
      return json({ id: user.id, is_admin: user.is_admin, is_active: user.is_active !== false });
    },
    "POST contacts": (a, body) => userContactWrite(store, a, body),
    "POST leads": (a, body) => userLeadWrite(store, a, body),
    "POST users": (a, body) => addUser(store, a, body),
    "POST groups": (a, body) => {
      if (typeof body.name !== "string" || !body.name.trim()) throw new ControlError(400, "name is required");
      const group = { id: Math.max(...a.groups.map((g) => g.id)) + 1, name: body.name.trim() };
      a.groups.push(group);
      return json(group, 201);
    },
    "POST users-api": (a, body) => {
      a.usersApiForbidden = body.forbidden !== false;
      return json({ forbidden: a.usersApiForbidden });
    },
  };
}

async function route(store: Store, signer: JwtSigner, request: Request, url: URL): Promise<Response> {
  const path = url.pathname.replace(/\/+$/, "");
  const method = request.method;
  if (path === "/__sim/reset" && method === "POST") {
    store.reset();
    return json({ ok: true });
  }
  if (path === "/__sim/outbox" && method === "GET") return outbox(store, url);
  if (path === "/__sim/jwks" && method === "GET") return json({ keys: [await signer.publicJwk()] });
  const raw = method === "GET" || method === "DELETE" ? undefined : await readBody(request);
  const body = isRecord(raw) ? raw : {};
  if (path === "/__sim/accounts" && method === "POST") return createAccount(store, body);

  const m = /^\/__sim\/accounts\/(\d+)(?:\/(.*))?$/.exec(path);
  if (!m) throw new ControlError(404, `no control call at ${method} ${path}`);
  const account = store.accounts.get(Number(m[1]));
  if (!account) throw new ControlError(404, `account ${m[1]} not found`);
  const rest = m[2] ?? "";

  const field = /^custom-fields\/(leads|contacts)\/(\d+)$/.exec(rest);
  if (field && method === "DELETE") {
    if (!deleteField(account, field[1] as EntityType, Number(field[2]))) throw new ControlError(404, `field ${field[2]} not found`);
    return json({ deleted: true });
  }
  const user = /^users\/(\d+)$/.exec(rest);
  if (user && method === "PATCH") return updateUser(account, Number(user[1]), body);
  const lead = /^leads\/(\d+)(\/status)?$/.exec(rest);
  if (lead && method === "PATCH" && !lead[2]) return userLeadWrite(store, account, body, Number(lead[1]));
  if (lead && method === "POST" && lead[2]) {
    const current = account.leads.get(Number(lead[1]));
    if (!current) throw new ControlError(404, `lead ${lead[1]} not found`);
    // A user drags the card within its pipeline unless told otherwise.
    const move = { status_id: body.status_id, pipeline_id: body.pipeline_id ?? current.pipeline_id, user_id: body.user_id };
    return userLeadWrite(store, account, move, current.id);
  }
  const dp = rest.startsWith("dp/") ? await dpControl(store, account, method, rest, body) : null;
  if (dp) return dp;
  const unsorted = rest.startsWith("unsorted") ? unsortedControl(store, account, method, rest, body) : null;
  if (unsorted) return unsorted;
  const action = accountActions(store, signer)[`${method} ${rest}`];
  if (!action) throw new ControlError(404, `no control call at ${method} ${path}`);
  return action(account, body, raw);
}

/** Answers /__sim/ paths: JSON in and out, errors as `{error}`. */
export async function handleControl(store: Store, signer: JwtSigner, request: Request, url: URL): Promise<Response> {
  try {
    return await route(store, signer, request, url);
  } catch (err) {
    if (err instanceof ControlError || err instanceof DpControlError || err instanceof UnsortedControlError) return json({ error: err.message }, err.status);
    const rendered = renderError(err);
    if (rendered) return rendered;
    throw err;
  }
}
