// Turns a failed request into what the manager reads: the backend's problem `code` through the
// widget's i18n (`problems.<code>`), its `detail` for a code we have no words for, or a plain "the
// server is unreachable" when there was no answer at all.
import type { ApiProblem } from "../../worker/src/api-types";
import type { Lang, T } from "./i18n";

/** What script.js rejects with when `$authorizedAjax` fails (status 0: no answer). */
export interface TransportFailure {
  status: number;
  body?: unknown;
  /** jQuery's textStatus: "timeout", "error", "abort", … */
  reason?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ApiProblem | null,
    readonly reason: string | null = null,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

function isProblem(v: unknown): v is ApiProblem {
  return !!v && typeof v === "object" && typeof (v as ApiProblem).detail === "string";
}

export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw;
  const f = (raw && typeof raw === "object" ? raw : {}) as Partial<TransportFailure>;
  const status = typeof f.status === "number" ? f.status : 0;
  return new ApiError(status, isProblem(f.body) ? f.body : null, typeof f.reason === "string" ? f.reason : null);
}

const CYRILLIC = /[А-Яа-яЁё]/;

/** The problem in the interface language: its code's text from the i18n file, else the server's detail. */
export function problemText(problem: ApiProblem, lang: Lang, t: T): string {
  if (problem.code) {
    const key = `problems.${problem.code}`;
    const text = t(key, problem.params);
    if (text !== key) return text;
  }
  return pickLanguage(problem.detail, lang);
}

/** A stored text in the interface language: the words for its catalogue code (`texts.<code>`), else the text itself. */
export function storedText(text: string, ref: { code: string; params: Record<string, string | number> } | null | undefined, lang: Lang, t: T): string {
  if (ref) {
    const key = `texts.${ref.code}`;
    const words = t(key, ref.params);
    if (words !== key) return words;
  }
  return pickLanguage(text, lang);
}

/**
 * Stored texts (connection errors, sync results) still come as "русский текст / English text".
 * Pick the half in the interface language; a text in one language only is shown whole.
 */
export function pickLanguage(detail: string, lang: Lang): string {
  const parts = detail.split(" / ");
  for (let i = 1; i < parts.length; i++) {
    const ru = parts.slice(0, i).join(" / ").trim();
    const en = parts.slice(i).join(" / ").trim();
    if (CYRILLIC.test(ru) && !CYRILLIC.test(en)) return lang === "ru" ? ru : en;
  }
  return detail.trim();
}

export type ErrorKind = "network" | "reinstall" | "forbidden" | "server" | "problem";

export interface ErrorView {
  kind: ErrorKind;
  message: string;
  /** What to do, when the message itself does not say it. */
  hint: string | null;
  requestId: string | null;
  /** The backend's machine-readable reason for a refusal, when it gave one. */
  reason?: string | null;
}

export function describeError(err: unknown, lang: Lang, t: T): ErrorView {
  const e = toApiError(err);
  const requestId = e.problem?.requestId ?? null;
  if (e.status === 0) {
    const key = e.reason === "timeout" ? "errors.timeout" : "errors.network";
    return { kind: "network", message: t(key), hint: t("errors.network_hint"), requestId: null };
  }
  const detail = e.problem?.detail ? problemText(e.problem, lang, t) : null;
  if (e.problem?.type?.endsWith("/reauth-required")) {
    return { kind: "reinstall", message: detail ?? t("errors.reinstall"), hint: null, requestId };
  }
  if (e.status === 403) return { kind: "forbidden", message: detail ?? t("errors.forbidden"), hint: null, requestId, reason: e.problem?.reason ?? null };
  if (detail) return { kind: "problem", message: detail, hint: e.status >= 500 ? t("errors.support_hint") : null, requestId };
  return { kind: "server", message: t("errors.server", { status: e.status }), hint: t("errors.support_hint"), requestId };
}
