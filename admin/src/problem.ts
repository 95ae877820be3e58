// Turns an ApiError into the sentence a person reads: the server's `detail` in the interface
// language (our details are written "русский / English"), or a plain word on what went wrong.
import { ApiError } from "./api";
import type { Lang } from "./i18n";

const CYRILLIC = /[А-Яа-яЁё]/;

/** The half of a "русский текст / English text" detail in the wanted language; other text whole. */
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
  const detail = err.problem?.detail;
  return {
    message: detail ? pickLanguage(detail, lang) : fallback.server(err.status),
    requestId: err.problem?.requestId ?? null,
    status: err.status,
  };
}
