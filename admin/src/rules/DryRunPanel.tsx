// Tries a saved rule on a recent event (or an LPTracker lead read now) without writing anything: the
// whole chain as the sync would run it, each rule's status and conditions, and the amoCRM result.
import { useSignal } from "@preact/signals";
import type { DryRunResponse, EventListResponse, RuleTrigger } from "../../../worker/src/api-types";
import { get, post } from "../api";
import { lang, t } from "../i18n";
import { dateTime } from "../format";
import { useLoad } from "../load";
import { Button, Card, Empty, ErrorBox, Field } from "../ui/kit";
import { eventTitle } from "../audit/words";
import type { Names } from "./describe";
import type { FieldDef, Label } from "./fields";
import { ChainView } from "./ChainView";

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
  fields: FieldDef[];
  label: Label;
}

export function DryRunPanel({ ruleId, trigger, names, dirty, fields, label }: DryRunPanelProps) {
  const source = SOURCE_OF[trigger];
  const events = useLoad(() => get<EventListResponse>("/api/admin/events", { source, limit: 20 }), [source]);
  const picked = useSignal<number | null>(null);
  const leadId = useSignal("");
  const result = useSignal<DryRunResponse | null>(null);
  const error = useSignal<unknown>(null);
  const busy = useSignal(false);
  const list = (events.data.value?.items ?? []).filter((e) => e.status !== "rejected");
  const eventId = picked.value ?? list[0]?.id ?? null;
  const lpt = source === "lptracker";

  const run = async (body: { eventId: number } | { lptLeadId: number }) => {
    busy.value = true;
    error.value = null;
    try {
      result.value = await post<DryRunResponse>(`/api/admin/rules/${ruleId}/dry-run`, body);
    } catch (err) {
      result.value = null;
      error.value = err;
    } finally {
      busy.value = false;
    }
  };

  const lead = Number(leadId.value.trim());
  return (
    <Card title={t("dry.title")} testid="dry-run">
      <p class="small muted">{t("dry.intro")}</p>
      {dirty ? <p class="small warn-text">{t("dry.dirty")}</p> : null}
      {events.error.value ? <ErrorBox error={events.error.value} onRetry={() => void events.reload()} /> : null}
      {events.data.value && !list.length && !lpt ? (
        <Empty>{t("dry.noEvents")}</Empty>
      ) : (
        <div class="inline-form">
          {list.length ? (
            <>
              <Field label={t("dry.event")}>
                <select class="input" value={eventId ? String(eventId) : ""} onChange={(e) => (picked.value = Number((e.target as HTMLSelectElement).value))} data-testid="dry-event">
                  {list.map((e) => (
                    <option key={e.id} value={String(e.id)}>
                      {`${eventTitle(e)} · ${dateTime(e.receivedAt, lang.value)}`}
                    </option>
                  ))}
                </select>
              </Field>
              <Button variant="primary" busy={busy.value} disabled={!eventId} onClick={() => eventId && void run({ eventId })} data-testid="dry-run-go">
                {t("dry.run")}
              </Button>
            </>
          ) : null}
          {lpt ? (
            <>
              <Field label={t("dry.byLead")}>
                <input class="input" inputMode="numeric" value={leadId.value} onInput={(e) => (leadId.value = (e.target as HTMLInputElement).value)} data-testid="dry-lead" />
              </Field>
              <Button busy={busy.value} disabled={!(Number.isSafeInteger(lead) && lead > 0)} onClick={() => void run({ lptLeadId: lead })} data-testid="dry-run-lead">
                {t("dry.runLead")}
              </Button>
            </>
          ) : null}
        </div>
      )}
      {error.value ? <ErrorBox error={error.value} /> : null}
      {result.value ? <ChainView result={result.value} names={names} fields={fields} label={label} focus={ruleId} /> : null}
    </Card>
  );
}
