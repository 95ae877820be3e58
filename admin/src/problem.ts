// Turns an ApiError into the sentence a person reads: the problem's `code` through the page's i18n
// (`problem.<code>`), the server's `detail` for a code we have no words for, or a plain word on what
// went wrong.
import type { ApiProblem } from "../../worker/src/api-types";
import { ApiError } from "./api";
import { fill, textOf, type Lang } from "./i18n";
import { ITEMS_SEPARATOR } from "../../worker/src/lib/errors";

const CYRILLIC = /[А-Яа-яЁё]/;
/** Parameters that are amounts (grouped by thousands), unlike ids and row numbers. */
const AMOUNTS = new Set(["count", "limit", "size"]);

/**
 * The dictionary's text for `key` with `values` filled in (a word from a fixed set through
 * `param.<name>.<value>`, an amount grouped the local way); null when the dictionary has no such key.
 */
function filled(lang: Lang, key: string, values: Record<string, string | number> | undefined): string | null {
  const text = textOf(lang, key);
  if (text === null) return null;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(values ?? {})) {
    params[name] = typeof value === "number" && AMOUNTS.has(name) ? new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB").format(value) : (textOf(lang, `param.${name}.${value}`) ?? String(value));
  }
  return fill(text, params);
}

/** A problem in `lang`: its code's words, else the server's detail. */
export function problemText(problem: ApiProblem, lang: Lang): string {
  return (problem.code ? filled(lang, `problem.${problem.code}`, problem.params) : null) ?? pickLanguage(problem.detail, lang);
}

/** An audit entry in `lang`: the words for the code the Worker put in `data.text`, else its stored message. */
export function auditMessage(entry: { message: string; data: Record<string, unknown> | null }, lang: Lang): string {
  const text = entry.data?.text;
  if (text && typeof text === "object" && "code" in text && typeof text.code === "string") {
    const params = "params" in text && text.params && typeof text.params === "object" ? (text.params as Record<string, string | number>) : undefined;
    const words = filled(lang, `audit.text.${text.code}`, params);
    if (words !== null) return words;
  }
  return pickLanguage(entry.message, lang);
}

/** A stored text in `lang`: the words for its catalogue code (`text.<code>`), else the stored text itself. */
export function storedText(text: string, ref: StoredRef | null | undefined, lang: Lang): string {
  return (ref ? refText(ref, lang) : null) ?? pickLanguage(text, lang);
}

interface StoredRef {
  code: string;
  params: Record<string, string | number>;
  items?: { code: string; params: Record<string, string | number> }[];
}

/** A code's words with its listed parts (a row's cell issues) worded into `{items}`; null if any has none. */
function refText(ref: StoredRef, lang: Lang): string | null {
  if (!ref.items) return filled(lang, `text.${ref.code}`, ref.params);
  const parts = ref.items.map((item) => filled(lang, `text.${item.code}`, item.params));
  if (parts.some((p) => p === null)) return null;
  return filled(lang, `text.${ref.code}`, { ...ref.params, items: parts.join(ITEMS_SEPARATOR) });
}

/**
 * Stored texts (audit messages, event and import errors) still come as "русский текст / English text":
 * the half in the wanted language; other text whole.
 */
export function pickLanguage(detail: string, lang: Lang): string {
  const parts = detail.split(" / ");
  for (let i = 1; i < parts.length; i++) {
    const first = parts.slice(0, i).join(" / ").trim();
    const second = parts.slice(i).join(" / ").trim();
    if (CYRILLIC.test(first) && !CYRILLIC.test(second)) return lang === "ru" ? first : second;
  }
  return detail.trim();
}

export interface ErrorText {
  message: string;
  requestId: string | null;
  /** 0 when the server never answered. */
  status: number;
}

/** `fallback` names the situations that have no server text: no answer at all, or a bare status. */
export function errorText(err: unknown, lang: Lang, fallback: { network: string; server: (status: number) => string }): ErrorText {
  if (!(err instanceof ApiError)) return { message: err instanceof Error ? err.message : String(err), requestId: null, status: -1 };
  if (err.status === 0) return { message: fallback.network, requestId: null, status: 0 };
  return {
    message: err.problem?.detail ? problemText(err.problem, lang) : fallback.server(err.status),
    requestId: err.problem?.requestId ?? null,
    status: err.status,
  };
}
