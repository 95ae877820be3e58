// Sends the lead callback to every URL registered on the project, through the user's Outbox,
// honouring per-call duplicates (`times`), drop-webhooks and the json/form/mixed encoding.
import type { LeadRec, Store, UserRec } from "./store";
import type { WebhookAction, WebhookSendResult } from "./types";
import { type Author, leadPayload } from "./webhook-payload";

export type { Author };

export interface EmitOptions {
  author: Author;
  fields?: string[];
  times?: number;
}

function encode(store: Store, user: UserRec, json: string): { headers: Record<string, string>; body: string } {
  const setting = store.behaviour(user).webhookEncoding;
  const form = setting === "mixed" ? user.encodingTurn++ % 2 === 0 : setting === "form";
  if (form) {
    return {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ data: json }).toString(),
    };
  }
  return { headers: { "content-type": "application/json" }, body: json };
}

export function emitLeadEvent(store: Store, user: UserRec, lead: LeadRec, action: WebhookAction, opts: EmitOptions): WebhookSendResult {
  const project = user.projects.get(lead.projectId)!;
  const result: WebhookSendResult = { queued: 0, dropped: 0 };
  if (project.callbackUrls.length === 0) return result;
  const json = JSON.stringify(leadPayload(store, user, lead, action, opts.author, opts.fields ?? []));
  // One encoding per event, so a duplicate delivery is byte-identical to the first.
  const { headers, body } = encode(store, user, json);
  const times = Math.max(1, Math.floor(opts.times ?? 1));
  for (const hook of project.callbackUrls) {
    for (let i = 0; i < times; i++) {
      if (user.dropNext > 0) {
        user.dropNext--;
        user.dropped++;
        result.dropped++;
        continue;
      }
      store.track(user.outbox.push({ url: hook.url, method: "POST", headers: { ...headers }, body }));
      result.queued++;
    }
  }
  return result;
}

export function staffAuthor(user: UserRec, staffId: number | null): Author {
  const s = user.staff.find((x) => x.id === staffId) ?? user.staff[0]!;
  return { id: s.id, type: s.type, name: s.name, job: s.job };
}

/** The account acting through the API: LPTracker shows the login's `service` as the author. */
export function serviceAuthor(user: UserRec, service: string): Author {
  const main = user.staff.find((s) => s.type === "main") ?? user.staff[0]!;
  return { id: main.id, type: "service", name: service, job: null };
}
