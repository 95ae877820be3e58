// Interface language: Russian first, English on request, remembered in localStorage. Both
// dictionaries have the same keys (checked by the compiler and by a test); `{name}` marks a value.
import { signal } from "@preact/signals";
import { ru, type Key } from "./ru";
import { en } from "./en";

export type Lang = "ru" | "en";
export type { Key };
export type Params = Record<string, string | number>;

const STORAGE_KEY = "admin.lang";
const DICTS: Record<Lang, Record<Key, string>> = { ru, en };

function storedLang(): Lang {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return v === "en" ? "en" : "ru";
  } catch {
    return "ru";
  }
}

export const lang = signal<Lang>(storedLang());

export function setLang(next: Lang): void {
  lang.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

export function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The text of a key known only at run time (an API problem's code) in `l`, or null when there is none. */
export function textOf(l: Lang, key: string): string | null {
  const dict: Record<string, string> = DICTS[l];
  return Object.prototype.hasOwnProperty.call(dict, key) ? (dict[key] ?? null) : null;
}

/** Reads `lang.value`, so a component that calls it re-renders when the language changes. */
export function t(key: Key, params?: Params): string {
  return fill(DICTS[lang.value][key], params);
}

/**
 * A counted phrase: the key's text holds the forms separated by "|" (ru: one|few|many, en: one|other)
 * and `{n}` inside them.
 */
export function tn(key: Key, n: number, params?: Params): string {
  const forms = DICTS[lang.value][key].split("|");
  const rule = new Intl.PluralRules(lang.value === "ru" ? "ru-RU" : "en-GB").select(n);
  const index = lang.value === "ru" ? (rule === "one" ? 0 : rule === "few" ? 1 : 2) : rule === "one" ? 0 : 1;
  return fill(forms[Math.min(index, forms.length - 1)] ?? "", { n: formatInt(n), ...params });
}

export function locale(): string {
  return lang.value === "ru" ? "ru-RU" : "en-GB";
}

export function formatInt(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}
