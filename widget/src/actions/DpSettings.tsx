// The widget's Digital Pipeline action settings: the action, the LPTracker project, stage or comment
// template, all picked from the account's own LPTracker data, written into the fields amoCRM saves
// with the action (manifest dp.settings), the hidden per-account key included.
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { WidgetEnv } from "../env";
import { describeError, type ErrorView } from "../problem";
import { ErrorBox, Loading, Notice } from "../ui";
import type { ActionApi, ActionOptions } from "./action-api";

/** The manifest's dp.settings codes. */
export const DP_FIELDS = ["action", "project_id", "stage_id", "comment", "key"] as const;
export type DpField = (typeof DP_FIELDS)[number];
export type DpValues = Record<DpField, string>;

export const TEMPLATE_TOKENS = ["{{lead.name}}", "{{lead.id}}", "{{lead.price}}", "{{pipeline}}", "{{status}}", "{{responsible}}", "{{date}}"];

interface Props {
  env: WidgetEnv<ActionApi>;
  initial: DpValues;
  /** Writes the values into amoCRM's fields of the action. */
  write: (values: DpValues) => void;
}

export function DpSettings({ env, initial, write }: Props) {
  const { t } = env;
  const [options, setOptions] = useState<ActionOptions | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [values, setValues] = useState<DpValues>(initial);

  const load = () => {
    setError(null);
    env.api.options(true).then(
      (o) => {
        setOptions(o);
        const project = o.projects.find((p) => String(p.id) === values.project_id) ?? o.projects[0];
        const next: DpValues = {
          ...values,
          action: o.actions.includes(values.action) ? values.action : "create_update",
          project_id: project ? String(project.id) : "",
          key: o.dpKey ?? "",
        };
        if (project && next.stage_id && !project.stages.some((s) => String(s.id) === next.stage_id)) next.stage_id = "";
        setValues(next);
        write(next);
      },
      (err) => setError(describeError(err, env.lang, t)),
    );
  };
  useEffect(load, []);

  const change = (patch: Partial<DpValues>) => {
    const next = { ...values, ...patch };
    if (patch.project_id !== undefined) next.stage_id = "";
    setValues(next);
    write(next);
  };

  if (error) return <ErrorBox env={env} error={error} onRetry={load} testId="lptw-dp-error" />;
  if (!options) return <Loading text={t("dp.loading")} />;
  if (!options.projects.length) return <Notice tone="warn" title={t("dp.no_projects_title")} testId="lptw-dp-no-projects">{t("dp.no_projects")}</Notice>;
  const project = options.projects.find((p) => String(p.id) === values.project_id);
  const stageMissing = values.action === "set_stage" && !values.stage_id;
  const commentMissing = values.action === "comment" && !values.comment.trim();
  return (
    <div class="lptw-dp" data-testid="lptw-dp">
      <label class="lptw-field">
        <span class="lptw-field__label">{t("dp.action")}</span>
        <select class="lptw-select" data-testid="lptw-dp-action" value={values.action} onChange={(e) => change({ action: (e.target as HTMLSelectElement).value })}>
          {options.actions.map((a) => (
            <option key={a} value={a}>
              {t(`dp.actions.${a}`)}
            </option>
          ))}
        </select>
      </label>
      <label class="lptw-field">
        <span class="lptw-field__label">{t("dp.project")}</span>
        <select class="lptw-select" data-testid="lptw-dp-project" value={values.project_id} onChange={(e) => change({ project_id: (e.target as HTMLSelectElement).value })}>
          {options.projects.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {project?.error && <Notice tone="warn">{t("dp.stages_failed", { reason: project.error })}</Notice>}
      {values.action === "set_stage" && (
        <label class="lptw-field">
          <span class="lptw-field__label">{t("dp.stage")}</span>
          <select class={`lptw-select${stageMissing ? " lptw-select--invalid" : ""}`} data-testid="lptw-dp-stage" value={values.stage_id} onChange={(e) => change({ stage_id: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("dp.choose_stage")}</option>
            {(project?.stages ?? []).map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {values.action === "comment" && (
        <label class="lptw-field">
          <span class="lptw-field__label">{t("dp.comment")}</span>
          <textarea
            class={`lptw-input lptw-dp__comment${commentMissing ? " lptw-select--invalid" : ""}`}
            data-testid="lptw-dp-comment"
            rows={4}
            maxLength={options.commentMax}
            value={values.comment}
            onInput={(e) => change({ comment: (e.target as HTMLTextAreaElement).value })}
          />
          <span class="lptw-small lptw-muted">{t("dp.tokens", { tokens: TEMPLATE_TOKENS.join(" ") })}</span>
        </label>
      )}
      {(stageMissing || commentMissing) && <div class="lptw-small lptw-dp__invalid" role="alert">{t(stageMissing ? "dp.stage_required" : "dp.comment_required")}</div>}
      <div class="lptw-small lptw-muted">{t(`dp.explain.${values.action}`)}</div>
    </div>
  );
}
