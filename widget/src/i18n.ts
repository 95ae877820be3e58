// Turns the widget's i18n dictionary (widget/i18n/<lang>.json with the Worker's shared texts, as the
// build publishes it and amoCRM hands it over as `self.langs`) into a lookup function, so every
// visible string comes from those files.
import { TEXT_WORDS, WIDGET_TEXT_CODES } from "../../worker/src/contracts/texts";

export type Lang = "ru" | "en";
export type Dict = { [key: string]: string | Dict };
export type Params = Record<string, string | number>;
export type T = (key: string, params?: Params) => string;

function lookup(dict: Dict, key: string): string | undefined {
  let node: string | Dict | undefined = dict;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/**
 * A missing key shows as the key itself: visible in review and in tests, and never a crash inside
 * somebody's CRM card.
 */
export function createT(dict: Dict): T {
  return (key, params) => {
    const text = lookup(dict, key) ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

/**
 * The dictionary as the build publishes it (widget/vite.config.ts): the i18n file plus the stored
 * texts' words under `texts.<code>`, which live once with the Worker's catalogue
 * (worker/src/contracts/texts.ts, shared with the admin page). Build time only: amoCRM hands the
 * widget the published file, so the bundles carry no copy of the words.
 */
export function withTexts(dict: Dict, lang: Lang): Dict {
  return { ...dict, texts: Object.fromEntries(WIDGET_TEXT_CODES.map((code) => [code, TEXT_WORDS[lang][code]])) };
}

/** amoCRM names its interface language `ru`, `en`, sometimes `ru_RU`; anything else gets English. */
export function normalizeLang(raw: unknown): Lang {
  const s = typeof raw === "string" ? raw.toLowerCase() : "";
  return s.startsWith("ru") ? "ru" : s ? "en" : "ru";
}

/** Every key path that ends in a string, for checking that two dictionaries match. */
export function keyPaths(dict: Dict, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(dict)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.push(path);
    else out.push(...keyPaths(v, path));
  }
  return out.sort();
}
