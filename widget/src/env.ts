// What script.js hands the bundle when it mounts a view, and the environment every component gets:
// the API client, the translator and the interface language.
import type { Transport, WidgetApi } from "./api";
import { createT, normalizeLang, type Dict, type Lang, type T } from "./i18n";

export interface Support {
  email: string;
  link: string;
}

/** Filled by script.js from amoCRM's widget object (`self.langs`, `APP.lang_id`, saved settings). */
export interface HostInput {
  transport: Transport;
  dict: Dict;
  lang?: string;
  /** The consent setting saved in amoCRM: without it the widget sends nothing to our server. */
  consent: boolean;
  support: Support;
  /** Our server's privacy page (who processes which data, where, how long, how to delete). */
  privacyUrl?: string;
}

export interface WidgetEnv<A = WidgetApi> {
  api: A;
  t: T;
  lang: Lang;
  support: Support;
  privacyUrl: string | null;
  /** The clock, replaceable so that relative times can be pinned. */
  now(): number;
}

/** `makeApi` is chosen by the bundle's entry, so the card bundle only carries the card's requests. */
export function createEnv<A>(host: HostInput, makeApi: (transport: Transport) => A): WidgetEnv<A> {
  return {
    api: makeApi(host.transport),
    t: createT(host.dict ?? {}),
    lang: normalizeLang(host.lang),
    support: host.support,
    privacyUrl: host.privacyUrl ?? null,
    now: () => Date.now(),
  };
}
