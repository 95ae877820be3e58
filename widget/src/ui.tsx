// Small building blocks every view shares: the loading line, the error box with what to do next,
// and notices. All text arrives already translated.
import { h, type ComponentChildren } from "preact";
import type { ErrorView } from "./problem";
import type { WidgetEnv } from "./env";

export function Loading({ text }: { text: string }) {
  return (
    <div class="lptw-loading" data-testid="lptw-loading" role="status">
      <span class="lptw-spinner" aria-hidden="true" />
      {text}
    </div>
  );
}

export interface ErrorBoxProps {
  env: WidgetEnv<unknown>;
  error: ErrorView;
  onRetry?: () => void;
  testId?: string;
}

export function ErrorBox({ env, error, onRetry, testId = "lptw-error" }: ErrorBoxProps) {
  const { t } = env;
  return (
    <div class={`lptw-error lptw-error--${error.kind}`} data-testid={testId} role="alert">
      <div class="lptw-error__message">{error.message}</div>
      {error.hint && <div class="lptw-error__hint">{error.hint}</div>}
      {error.requestId && <div class="lptw-muted lptw-small">{t("common.request_id", { id: error.requestId })}</div>}
      {onRetry && (
        <button type="button" class="lptw-btn lptw-btn--small" onClick={onRetry} data-testid="lptw-retry">
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function Notice({ tone = "info", title, children, testId }: { tone?: "info" | "warn" | "ok"; title?: string; children?: ComponentChildren; testId?: string }) {
  return (
    <div class={`lptw-notice lptw-notice--${tone}`} data-testid={testId}>
      {title && <div class="lptw-notice__title">{title}</div>}
      {children}
    </div>
  );
}

export function SupportLine({ env }: { env: WidgetEnv<unknown> }) {
  const { t, support } = env;
  return (
    <div class="lptw-support lptw-small lptw-muted">
      {t("common.support")}{" "}
      <a href={`mailto:${support.email}`}>{support.email}</a>
      {" · "}
      <a href={support.link} target="_blank" rel="noopener noreferrer">
        {t("common.support_site")}
      </a>
    </div>
  );
}
