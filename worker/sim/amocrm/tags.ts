// Tags embedded in leads and contacts (`_embedded.tags: [{name}|{id}]`): unknown names become new
// account tags, as in amoCRM.
import { isRecord, type FieldError } from "./http";
import type { Account, Store } from "./store";

export type TagRef = { id: number } | { name: string };

export function readTags(account: Account, raw: unknown, errors: FieldError[], prefix = "_embedded.tags"): TagRef[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    errors.push({ code: "InvalidType", path: prefix, detail: "This value should be of type array." });
    return undefined;
  }
  const refs: TagRef[] = [];
  raw.forEach((t, i) => {
    if (isRecord(t) && t.id !== undefined && account.tags.some((x) => x.id === Number(t.id))) refs.push({ id: Number(t.id) });
    else if (isRecord(t) && typeof t.name === "string" && t.name.trim() !== "") refs.push({ name: t.name.trim() });
    else errors.push({ code: "NotSupportedChoice", path: `${prefix}.${i}`, detail: "Tag needs an existing id or a name." });
  });
  return refs;
}

export function resolveTags(store: Store, account: Account, refs: TagRef[]): number[] {
  const ids = refs.map((ref) => {
    if ("id" in ref) return ref.id;
    const found = account.tags.find((t) => t.name.toLowerCase() === ref.name.toLowerCase());
    if (found) return found.id;
    const tag = { id: store.nextId("tag"), name: ref.name };
    account.tags.push(tag);
    return tag.id;
  });
  return [...new Set(ids)];
}

export function renderTags(account: Account, ids: number[]): Array<{ id: number; name: string; color: null }> {
  return ids.flatMap((id) => {
    const tag = account.tags.find((t) => t.id === id);
    return tag ? [{ id: tag.id, name: tag.name, color: null }] : [];
  });
}
