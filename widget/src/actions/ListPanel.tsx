// The list action «Синхронизировать с LPTracker»: the entities checked in amoCRM's lead or contact
// list go to a background job; the panel shows its progress and, per entity, what happened and why.
import { h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { WidgetEnv } from "../env";
import { describeError, type ErrorView } from "../problem";
import { ErrorBox, Loading, Notice } from "../ui";
import type { ActionApi, ActionOptions, ListJobView, SelectedEntity } from "./action-api";

export const POLL_MS = 1500;

export interface Selection {
  entity: "leads" | "contacts";
  countSelected: number;
  selected: SelectedEntity[];
}

interface Props {
  env: WidgetEnv<ActionApi>;
  selection: Selection;
}

export function ListPanel({ env, selection }: Props) {
  const { t } = env;
  const [options, setOptions] = useState<ActionOptions | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [projectId, setProjectId] = useState("");
  const [job, setJob] = useState<ListJobView | null>(null);
  const [starting, setStarting] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = () => {
    setError(null);
    env.api.options(false).then(
      (o) => {
        setOptions(o);
        setProjectId((p) => p || (o.projects[0] ? String(o.projects[0].id) : ""));
      },
      (err) => setError(describeError(err, env.lang, t)),
    );
  };
  useEffect(() => {
    load();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const poll = (id: number) => {
    env.api.listJob(id).then(
      (view) => {
        setJob(view);
        if (view.status !== "done" && view.status !== "failed") timer.current = setTimeout(() => poll(id), POLL_MS);
      },
      // A missed poll is not the job failing: try again a little later.
      () => {
        timer.current = setTimeout(() => poll(id), POLL_MS * 2);
      },
    );
  };

  const start = () => {
    setStarting(true);
    setError(null);
    const max = options?.listMax ?? 500;
    env.api
      .startList({ entity: selection.entity, projectId: Number(projectId), countSelected: selection.countSelected, selected: selection.selected.slice(0, max) })
      .then(
        (r) => {
          setJob({ id: r.jobId, status: "queued", total: r.total, countSelected: r.countSelected, done: 0, counts: { pending: r.total, created: 0, updated: 0, skipped: 0, failed: 0 }, error: null, items: [] });
          poll(r.jobId);
        },
        (err) => setError(describeError(err, env.lang, t)),
      )
      .finally(() => setStarting(false));
  };

  const handed = selection.selected.length;
  const max = options?.listMax ?? 500;
  const entityWord = t(selection.entity === "leads" ? "list.leads" : "list.contacts");
  return (
    <div class="lptw-list" data-testid="lptw-list">
      <div class="lptw-list__summary" data-testid="lptw-list-summary">
        {t("list.selected", { count: handed, entity: entityWord })}
      </div>
      {selection.countSelected > handed && (
        <Notice tone="warn" testId="lptw-list-partial">
          {t("list.partial", { selected: selection.countSelected, handed })}
        </Notice>
      )}
      {handed > max && (
        <Notice tone="warn" testId="lptw-list-too-many">
          {t("list.too_many", { max })}
        </Notice>
      )}
      {error && <ErrorBox env={env} error={error} onRetry={options ? undefined : load} testId="lptw-list-error" />}
      {!options && !error && <Loading text={t("list.loading")} />}
      {options && !options.projects.length && <Notice tone="warn">{t("dp.no_projects")}</Notice>}
      {options && options.projects.length > 0 && !job && (
        <div>
          <label class="lptw-field">
            <span class="lptw-field__label">{t("list.project")}</span>
            <select class="lptw-select" data-testid="lptw-list-project" value={projectId} onChange={(e) => setProjectId((e.target as HTMLSelectElement).value)}>
              {options.projects.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <div class="lptw-small lptw-muted">{t(selection.entity === "leads" ? "list.explain_leads" : "list.explain_contacts")}</div>
          <button type="button" class="lptw-btn lptw-btn--primary lptw-btn--block" data-testid="lptw-list-start" disabled={starting || !handed || !projectId} onClick={start}>
            {t("list.start")}
          </button>
        </div>
      )}
      {job && <JobProgress env={env} job={job} />}
    </div>
  );
}

/** The server's reason code in the interface language; the English detail when there is no phrase for it. */
function reasonText(env: WidgetEnv<ActionApi>, item: ListJobView["items"][number]): string {
  if (item.code && item.code !== "error" && item.code !== "gave_up") {
    const key = `list.reason.${item.code}`;
    const text = env.t(key, { lpt: item.lptLeadIds.join(", ") || "—" });
    if (text !== key) return text;
  }
  return item.reason ?? "";
}

function JobProgress({ env, job }: { env: WidgetEnv<ActionApi>; job: ListJobView }) {
  const { t } = env;
  const finished = job.status === "done" || job.status === "failed";
  const percent = job.total ? Math.round((job.done / job.total) * 100) : 100;
  return (
    <div class="lptw-list__job" data-testid="lptw-list-job" data-status={job.status}>
      <div class="lptw-list__bar" role="progressbar" aria-valuemin={0} aria-valuemax={job.total} aria-valuenow={job.done} aria-label={t("list.progress_label")}>
        <span style={{ width: `${percent}%` }} />
      </div>
      <div class="lptw-small" data-testid="lptw-list-progress">
        {finished ? t("list.finished", { done: job.done, total: job.total }) : t("list.progress", { done: job.done, total: job.total })}
      </div>
      <div class="lptw-small lptw-muted" data-testid="lptw-list-counts">
        {t("list.counts", { created: job.counts.created, updated: job.counts.updated, skipped: job.counts.skipped, failed: job.counts.failed })}
      </div>
      {job.error && <Notice tone="warn">{job.error}</Notice>}
      {job.items.length > 0 && (
        <ul class="lptw-list__items" data-testid="lptw-list-items">
          {job.items.map((i) => (
            <li key={`${i.type}:${i.id}`} class={`lptw-list__item lptw-list__item--${i.status}`} data-testid="lptw-list-item" data-id={String(i.id)} data-status={i.status}>
              <span class="lptw-list__name">{i.name || t(`list.entity.${i.type}`, { id: i.id })}</span>
              <span class="lptw-list__status">{t(`list.status.${i.status}`)}</span>
              {i.status !== "pending" && <span class="lptw-list__reason lptw-small lptw-muted">{reasonText(env, i)}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
