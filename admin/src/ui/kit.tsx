// The page's building blocks: buttons, cards, badges, error and empty states, a pager and an
// inline confirmation, so that every screen looks and behaves the same.
import type { ButtonHTMLAttributes, ComponentChildren } from "preact";
import { useSignal } from "@preact/signals";
import { lang, t, tn } from "../i18n";
import { errorText } from "../problem";
import { toasts } from "./toast";

export interface ButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type"> {
  variant?: "primary" | "secondary" | "danger" | "ghost";
  small?: boolean;
  busy?: boolean;
  disabled?: boolean;
  type?: "button" | "submit";
}

export function Button({ variant = "secondary", small, busy, disabled, type = "button", class: cls, children, ...rest }: ButtonProps) {
  return (
    <button type={type} class={`btn btn-${variant}${small ? " btn-small" : ""}${cls ? ` ${cls}` : ""}`} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy ? <span class="spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}

export interface CardProps {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children?: ComponentChildren;
  testid?: string;
  class?: string;
}

export function Card({ title, actions, children, testid, class: cls }: CardProps) {
  return (
    <section class={`card${cls ? ` ${cls}` : ""}`} data-testid={testid}>
      {title || actions ? (
        <header class="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions ? <div class="card-actions">{actions}</div> : null}
        </header>
      ) : null}
      {children}
    </section>
  );
}

export type Tone = "ok" | "bad" | "warn" | "muted" | "info";

export interface BadgeProps {
  tone: Tone;
  children: ComponentChildren;
  testid?: string;
}

export function Badge({ tone, children, testid }: BadgeProps) {
  return (
    <span class={`badge badge-${tone}`} data-testid={testid}>
      {children}
    </span>
  );
}

const EVENT_TONES: Record<string, Tone> = { done: "ok", failed: "bad", skipped: "muted", rejected: "bad", parked: "warn", paused: "warn", received: "info", processing: "info" };

export interface StatusBadgeProps {
  status: string;
}

/** An event's state in words and colour. */
export function StatusBadge({ status }: StatusBadgeProps) {
  const known = ["done", "failed", "skipped", "rejected", "parked", "paused", "received", "processing"].includes(status);
  return <Badge tone={EVENT_TONES[status] ?? "muted"}>{known ? t(`status.${status}` as "status.done") : status}</Badge>;
}

export interface ErrorBoxProps {
  error: unknown;
  onRetry?: () => void;
}

export function ErrorBox({ error, onRetry }: ErrorBoxProps) {
  const e = errorText(error, lang.value, { network: t("error.network"), server: (status) => t("error.server", { status }) });
  return (
    <div class="alert alert-bad" role="alert" data-testid="error">
      <p>{e.message}</p>
      {e.requestId ? <p class="muted small">{t("error.requestId", { id: e.requestId })}</p> : null}
      {onRetry ? (
        <Button small onClick={onRetry}>
          {t("action.retry")}
        </Button>
      ) : null}
    </div>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> {t("common.loading")}
    </p>
  );
}

export interface EmptyProps {
  children: ComponentChildren;
}

export function Empty({ children }: EmptyProps) {
  return <p class="empty">{children}</p>;
}

export interface PagerProps {
  total: number;
  limit: number;
  offset: number;
  onChange: (offset: number) => void;
}

export function Pager({ total, limit, offset, onChange }: PagerProps) {
  if (total <= limit && offset === 0) return <p class="muted small pager-info">{tn("common.rows", total)}</p>;
  const from = Math.min(total, offset + 1);
  const to = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label={t("pager.label")}>
      <Button small disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        ← {t("pager.prev")}
      </Button>
      <span class="pager-info">{t("pager.range", { from, to, total })}</span>
      <Button small disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
        {t("pager.next")} →
      </Button>
    </nav>
  );
}

export interface ConfirmButtonProps {
  label: ComponentChildren;
  question: string;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  variant?: ButtonProps["variant"];
  testid?: string;
  small?: boolean;
}

/** A destructive or wide action asks once, in place, instead of through a browser dialog. */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, variant = "danger", testid, small = true }: ConfirmButtonProps) {
  const asking = useSignal(false);
  const busy = useSignal(false);
  if (!asking.value) {
    return (
      <Button small={small} variant={variant === "danger" ? "ghost" : variant} onClick={() => (asking.value = true)} data-testid={testid}>
        {label}
      </Button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span class="confirm-q">{question}</span>
      <Button
        small
        variant={variant}
        busy={busy.value}
        data-testid={testid ? `${testid}-yes` : undefined}
        onClick={async () => {
          busy.value = true;
          try {
            await onConfirm();
          } finally {
            busy.value = false;
            asking.value = false;
          }
        }}
      >
        {confirmLabel}
      </Button>
      <Button small variant="ghost" onClick={() => (asking.value = false)}>
        {t("action.cancel")}
      </Button>
    </span>
  );
}

export interface FieldProps {
  label: ComponentChildren;
  children: ComponentChildren;
  hint?: ComponentChildren;
  class?: string;
}

/** A labelled control; the label wraps the control so that no ids are needed. */
export function Field({ label, children, hint, class: cls }: FieldProps) {
  return (
    <label class={`field${cls ? ` ${cls}` : ""}`}>
      <span class="field-label">{label}</span>
      {children}
      {hint ? <span class="field-hint">{hint}</span> : null}
    </label>
  );
}

export function Toasts() {
  return (
    <div class="toasts" aria-live="polite" role="status">
      {toasts.value.map((x) => (
        <div key={x.id} class={`toast toast-${x.tone}`} data-testid="toast">
          {x.text}
        </div>
      ))}
    </div>
  );
}
