// Tries a saved rule on a recent event without writing anything: which actions would run, and the
// facts the rule saw, so that the admin sees why it matched or not.
import { useSignal } from "@preact/signals";
import type { DryRunResponse, EventListResponse, RuleTrigger } from "../../../worker/src/api-types";
import { get, post } from "../api";
import { lang, t } from "../i18n";
import { dateTime } from "../format";
import { useLoad } from "../load";
import { Badge, Button, Card, Empty, ErrorBox, Field } from "../ui/kit";
import { eventTitle } from "../audit/words";
import { describeAction, type Names } from "./describe";

const SOURCE_OF: Record<RuleTrigger, string> = {
  "lpt.lead.created": "lptracker",
  "lpt.lead.updated": "lptracker",
  "amo.lead.status_changed": "amocrm",
  "amo.lead.updated": "amocrm",
  "import.row": "import",
};

export interface DryRunPanelProps {
  ruleId: number;
  trigger: RuleTrigger;
  names: Names;
  /** The editor has changes that are not saved: the test runs the saved version. */
  dirty: boolean;
}

function factText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.length ? v.join(", ") : "—";
  return String(v);
}

export function DryRunPanel({ ruleId, trigger, names, dirty }: DryRunPanelProps) {
  const source = SOURCE_OF[trigger];
  const events = useLoad(() => get<EventListResponse>("/api/admin/events", { source, limit: 20 }), [source]);
  const picked = useSignal<number | null>(null);
  const result = useSignal<DryRunResponse | null>(null);
  const error = useSignal<unknown>(null);
  const busy = useSignal(false);
  const list = events.data.value?.items ?? [];
  const eventId = picked.value ?? list[0]?.id ?? null;

  const run = async () => {
    if (!eventId) return;
    busy.value = true;
    error.value = null;
    try {
      result.value = await post<DryRunResponse>(`/api/admin/rules/${ruleId}/dry-run`, { eventId });
    } catch (err) {
      result.value = null;
      error.value = err;
    } finally {
      busy.value = false;
    }
  };

  const r = result.value;
  const mine = r?.plan.trace.find((x) => x.ruleId === ruleId);
  return (
    <Card title={t("dry.title")} testid="dry-run">
      <p class="small muted">{t("dry.intro")}</p>
      {dirty ? <p class="small warn-text">{t("dry.dirty")}</p> : null}
      {events.error.value ? <ErrorBox error={events.error.value} onRetry={() => void events.reload()} /> : null}
      {events.data.value && !list.length ? (
        <Empty>{t("dry.noEvents")}</Empty>
      ) : (
        <div class="inline-form">
          <Field label={t("dry.event")}>
            <select class="input" value={eventId ? String(eventId) : ""} onChange={(e) => (picked.value = Number((e.target as HTMLSelectElement).value))} data-testid="dry-event">
              {list.map((e) => (
                <option key={e.id} value={String(e.id)}>
                  {`${eventTitle(e)} · ${dateTime(e.receivedAt, lang.value)}`}
                </option>
              ))}
            </select>
          </Field>
          <Button variant="primary" busy={busy.value} disabled={!eventId} onClick={() => void run()} data-testid="dry-run-go">
            {t("dry.run")}
          </Button>
        </div>
      )}
      {error.value ? <ErrorBox error={error.value} /> : null}
      {r ? (
        <div class="dry-result" data-testid="dry-result">
          <p>
            {mine ? mine.matched ? <Badge tone="ok">{t("dry.matched")}</Badge> : <Badge tone="muted">{t("dry.notMatched")}</Badge> : null}{" "}
            {r.plan.skipped ? <Badge tone="warn">{t("dry.skipped")}</Badge> : null}
          </p>
          <h3>{t("dry.planned")}</h3>
          {r.plan.actions.length ? (
            <ol class="plain-list" data-testid="dry-actions">
              {r.plan.actions.map((a, i) => (
                <li key={i}>
                  {describeAction(a, names)}
                  {a.ruleId !== ruleId ? <span class="muted small"> · {t("dry.otherRule", { id: a.ruleId })}</span> : null}
                </li>
              ))}
            </ol>
          ) : (
            <p class="muted">{t("dry.none")}</p>
          )}
          {r.plan.trace.length ? (
            <details>
              <summary>{t("dry.why")}</summary>
              {r.plan.trace.map((x) => (
                <div key={x.ruleId} class="trace">
                  <p>
                    <strong>{x.name}</strong> — {x.matched ? t("dry.matched") : t("dry.notMatched")}
                  </p>
                  <pre class="pre">{x.detail.join("\n")}</pre>
                </div>
              ))}
            </details>
          ) : null}
          <details>
            <summary>{t("dry.facts")}</summary>
            <table class="kv">
              <tbody>
                {Object.entries(r.facts).map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{factText(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </div>
      ) : null}
    </Card>
  );
}
