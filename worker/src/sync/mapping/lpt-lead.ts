// One typed LPTracker lead from whatever the API or a webhook hands us: `GET /lead/{id}` results,
// list items and lead-callback bodies all name the same things differently (docs §2.5, §3.2).
import { normalizeEmail, normalizePhone } from "../../lib/phone";
import { parseNumberLoose, toEpochMs } from "../rules/transforms";
import { isPlainObject } from "../../lib/json-guard";

export class LptLeadShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LptLeadShapeError";
  }
}

export interface LptStage {
  id: number;
  /** Null when the payload carried only the id; facts can fill it from the project's funnel. */
  name: string | null;
}

export interface LptContactDetail {
  id: number | null;
  /** Lower-case detail type: phone, email, telegram, … */
  type: string;
  data: string;
}

export interface LptContactField {
  id: number;
  name: string | null;
  type: string | null;
  value: string | number | null;
}

export interface LptContact {
  id: number | null;
  projectId: number | null;
  name: string | null;
  profession: string | null;
  site: string | null;
  /** Every detail as given, including phones that did not normalise. */
  details: LptContactDetail[];
  /** E.164, de-duplicated, in detail order. */
  phones: string[];
  /** Lower-case, de-duplicated, in detail order. */
  emails: string[];
  fields: LptContactField[];
}

export type LptCustomScalar = string | number | boolean | null;

export interface LptCustomValue {
  id: number;
  name: string | null;
  /** `cats`, `date`, `text`, `number`, `file`, … or null when the payload was an `{id: value}` map. */
  type: string | null;
  /** A `cats` value is always an array of option names; arrays of other fields stay arrays. */
  value: LptCustomScalar | string[];
}

/** The visit record ("view"): source and UTM data. `referer` is folded into `referrer`. */
export interface LptView {
  source: string | null;
  campaign: string | null;
  keyword: string | null;
  seo_system: string | null;
  referrer: string | null;
  platform: string | null;
  [key: string]: string | null;
}

export interface LptPayment {
  sum: number;
  category: string | null;
  purpose: string | null;
}

export interface LptCall {
  /** `linkedid`, or a stable hash of time and duration when the record has none. */
  id: string;
  /** Start, epoch ms. */
  at: number;
  direction: "inbound" | "outbound";
  durationSec: number;
  recordingUrl: string | null;
  disposition: string | null;
  ownerId: number | null;
}

export interface LptEvent {
  action: "create" | "update" | "delete" | null;
  /** `action_timestamp`, epoch ms. */
  at: number | null;
  /** `action_update_fields` split on commas/spaces: the docs do not say how several are joined. */
  updatedFields: string[];
}

export interface LptLead {
  id: number;
  projectId: number | null;
  name: string | null;
  stage: LptStage | null;
  ownerId: number | null;
  contact: LptContact;
  view: LptView;
  custom: LptCustomValue[];
  payments: LptPayment[];
  /** Epoch ms. */
  createdAt: number | null;
  leadDate: number | null;
  dealDate: number | null;
  updatedAt: number | null;
  /** True for a deal, false for a lead, null when the payload does not say. */
  isDeal: boolean | null;
  calls: LptCall[];
  /** Present only for webhook bodies. */
  event: LptEvent | null;
  /** The capture form's name (`form`), when LPTracker gives one. */
  form?: string | null;
}

type Rec = Record<string, unknown>;


/** Arrays, or PHP-style form objects keyed "0", "1", … as a form-decoded webhook may give. */
export function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v)) {
    // Only keys 0..n-1 count: a `{ "<custom id>": value }` map must not be mistaken for a list.
    const keys = Object.keys(v);
    if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => v[k]);
  }
  return [];
}

export function toId(v: unknown): number | null {
  if (typeof v === "number") return Number.isSafeInteger(v) && v > 0 ? v : null;
  if (typeof v === "string" && /^\s*\d+\s*$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  }
  return null;
}

function str(v: unknown): string | null {
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

function bool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (v === 1 || v === "1" || v === "true") return true;
  if (v === 0 || v === "0" || v === "false") return false;
  return null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LptLeadShapeError("LPTracker lead payload is a string but not JSON");
  }
}

/** Peels the API envelope (`{status, result}`) and the webhook's `data` field (JSON or object). */
function unwrap(raw: unknown): Rec {
  let cur: unknown = typeof raw === "string" ? parseJson(raw) : raw;
  for (let i = 0; i < 3 && isPlainObject(cur); i++) {
    if (cur.id !== undefined) break;
    if (cur.status !== undefined && cur.result !== undefined) cur = cur.result;
    else if (typeof cur.data === "string") cur = parseJson(cur.data);
    else if (isPlainObject(cur.data)) cur = cur.data;
    else break;
  }
  if (!isPlainObject(cur)) throw new LptLeadShapeError("LPTracker lead payload is not an object");
  return cur;
}

function stageFrom(v: unknown): { id: number | null; name: string | null } | null {
  if (v === null || v === undefined || v === "") return null;
  if (isPlainObject(v)) return { id: toId(v.id), name: str(v.name) };
  const id = toId(v);
  return id === null ? null : { id, name: null };
}

/**
 * The stage hides under several keys (S9 checks all of them): objects first, because only they
 * carry a name, and a custom field of type `funnel`/`conv_funnel` as the last resort.
 */
function readStage(lead: Rec): LptStage | null {
  const candidates = [lead.stage, lead.funnel, lead.funnel_stage, lead.stage_id, lead.funnel_id].map(stageFrom);
  for (const c of listOf(lead.custom)) {
    if (isPlainObject(c) && typeof c.type === "string" && /^(conv_)?funnel$/i.test(c.type)) candidates.push(stageFrom(c.value));
  }
  const found = candidates.filter((c): c is { id: number; name: string | null } => c !== null && c.id !== null);
  const first = found[0];
  if (!first) return null;
  const named = found.find((c) => c.id === first.id && c.name !== null);
  return { id: first.id, name: named?.name ?? null };
}

function readDetails(contact: Rec): LptContactDetail[] {
  const raw = listOf(contact.details).length ? listOf(contact.details) : listOf(contact.contacts);
  const out: LptContactDetail[] = [];
  for (const d of raw) {
    if (!isPlainObject(d)) continue;
    const data = str(d.data) ?? str(d.value);
    const type = str(d.type);
    if (data === null || type === null) continue;
    out.push({ id: toId(d.id), type: type.toLowerCase(), data });
  }
  return out;
}

function scalar(v: unknown): string | number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "1" : "0";
  return null;
}

/** Contact fields come as `[{id, name, type, value}]` in responses and `{id: value}` in requests. */
function readContactFields(v: unknown): LptContactField[] {
  const out: LptContactField[] = [];
  const list = listOf(v);
  if (list.length) {
    for (const f of list) {
      if (!isPlainObject(f)) continue;
      const id = toId(f.id);
      if (id !== null) out.push({ id, name: str(f.name), type: str(f.type), value: scalar(f.value) });
    }
  } else if (isPlainObject(v)) {
    for (const [k, value] of Object.entries(v)) {
      const id = toId(k);
      if (id !== null) out.push({ id, name: null, type: null, value: scalar(value) });
    }
  }
  return out;
}

function readContact(lead: Rec): LptContact {
  const c = isPlainObject(lead.contact) ? lead.contact : {};
  const details = readDetails(c);
  const phones: string[] = [];
  const emails: string[] = [];
  for (const d of details) {
    if (d.type === "phone") {
      const p = normalizePhone(d.data);
      if (p && !phones.includes(p.e164)) phones.push(p.e164);
    } else if (d.type === "email") {
      const e = normalizeEmail(d.data);
      if (e && !emails.includes(e)) emails.push(e);
    }
  }
  return {
    id: toId(c.id) ?? toId(lead.contact_id),
    projectId: toId(c.project_id) ?? toId(lead.project_id),
    name: str(c.name),
    profession: str(c.profession),
    site: str(c.site),
    details,
    phones,
    emails,
    fields: readContactFields(c.fields),
  };
}

/** A category value may be a name, an array of names, or option objects keyed name/category/value. */
function optionName(v: unknown): string | null {
  if (isPlainObject(v)) return str(v.name) ?? str(v.category) ?? str(v.value);
  return str(v);
}

function customValue(type: string | null, v: unknown): LptCustomValue["value"] {
  if (type === "cats") {
    const items = Array.isArray(v) ? v : listOf(v).length ? listOf(v) : v === null || v === undefined || v === "" ? [] : [v];
    return items.map(optionName).filter((n): n is string => n !== null);
  }
  if (Array.isArray(v)) return v.map(optionName).filter((n): n is string => n !== null);
  if (isPlainObject(v)) return optionName(v);
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return null;
}

function readCustom(v: unknown): LptCustomValue[] {
  const out: LptCustomValue[] = [];
  const list = Array.isArray(v) ? v : listOf(v);
  if (list.length) {
    for (const c of list) {
      if (!isPlainObject(c)) continue;
      const id = toId(c.id);
      if (id === null) continue;
      const type = str(c.type)?.toLowerCase() ?? null;
      out.push({ id, name: str(c.name), type, value: customValue(type, c.value) });
    }
  } else if (isPlainObject(v)) {
    for (const [k, value] of Object.entries(v)) {
      const id = toId(k);
      if (id !== null) out.push({ id, name: null, type: null, value: customValue(null, value) });
    }
  }
  return out;
}

function readView(v: unknown): LptView {
  const view: LptView = { source: null, campaign: null, keyword: null, seo_system: null, referrer: null, platform: null };
  if (!isPlainObject(v)) return view;
  for (const [k, value] of Object.entries(v)) {
    // Nested parts (visitor{…}) are device fingerprints, not something anyone maps.
    if (isPlainObject(value) || Array.isArray(value) || k === "referer") continue;
    view[k] = str(value);
  }
  // The SDK model spells it `referer`, the webhook `referrer`.
  view.referrer ??= str(v.referer);
  return view;
}

function readPayments(v: unknown): LptPayment[] {
  const out: LptPayment[] = [];
  for (const p of listOf(v)) {
    if (!isPlainObject(p)) continue;
    const sum = parseNumberLoose(p.sum);
    if (sum === null) continue;
    out.push({ sum, category: str(p.category_name) ?? str(p.category), purpose: str(p.purpose_name) ?? str(p.purpose) });
  }
  return out;
}

/** FNV-1a, 32 bit: a call without `linkedid` still gets the same id on every re-read. */
function stableHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * The docs spell the inbound type "incomming"; clients have seen "incoming" and "outgoing".
 * Anything else that is not clearly outgoing (e.g. "missed") counts as inbound: a call tracker
 * records mostly calls that came in.
 */
export function callDirection(type: unknown): "inbound" | "outbound" {
  const t = typeof type === "string" ? type.trim().toLowerCase() : "";
  return /^(out|исход)/.test(t) ? "outbound" : "inbound";
}

function readCalls(lead: Rec): LptCall[] {
  const raw = listOf(lead.calls_records).length ? listOf(lead.calls_records) : listOf(lead.calls);
  const out: LptCall[] = [];
  const seen = new Set<string>();
  for (const c of raw) {
    if (!isPlainObject(c)) continue;
    const at = toEpochMs(c.time);
    if (at === null) continue;
    const durationSec = Math.max(0, Math.round(parseNumberLoose(c.duration) ?? 0));
    const id = str(c.linkedid) ?? `h${stableHash(`${Math.floor(at / 1000)}|${durationSec}`)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      id,
      at,
      direction: callDirection(c.type),
      durationSec,
      recordingUrl: str(c.record),
      disposition: str(c.disposition),
      ownerId: toId(c.owner_id),
    });
  }
  return out;
}

function readEvent(lead: Rec): LptEvent | null {
  if (lead.action === undefined && lead.action_timestamp === undefined) return null;
  const action = typeof lead.action === "string" ? lead.action.trim().toLowerCase() : "";
  const fields = typeof lead.action_update_fields === "string" ? lead.action_update_fields : "";
  return {
    action: action === "create" || action === "update" || action === "delete" ? action : null,
    at: toEpochMs(lead.action_timestamp),
    updatedFields: fields.split(/[,;\s]+/).filter(Boolean),
  };
}

/** Normalises a lead from `GET /lead/{id}` (with or without the envelope), a list item or a webhook body. */
export function normalizeLptLead(raw: unknown): LptLead {
  const lead = unwrap(raw);
  const id = toId(lead.id);
  if (id === null) {
    throw new LptLeadShapeError(`LPTracker lead has no usable id (got ${JSON.stringify(lead.id ?? null)})`);
  }
  const contact = readContact(lead);
  const owner = isPlainObject(lead.owner) ? lead.owner.id : lead.owner;
  const deal = bool(lead.deal) ?? bool(lead.is_deal);
  return {
    id,
    projectId: toId(lead.project_id) ?? contact.projectId,
    name: str(lead.name),
    stage: readStage(lead),
    ownerId: toId(lead.owner_id) ?? toId(owner),
    contact,
    view: readView(lead.view),
    custom: readCustom(lead.custom),
    payments: readPayments(lead.payments),
    createdAt: toEpochMs(lead.created_at),
    leadDate: toEpochMs(lead.lead_date),
    dealDate: toEpochMs(lead.deal_date),
    updatedAt: toEpochMs(lead.updated_at),
    isDeal: deal,
    calls: readCalls(lead),
    event: readEvent(lead),
    form: str(lead.form) ?? (isPlainObject(lead.form) ? str(lead.form.name) : null),
  };
}
