// One event: where it came from, where it is in its life, what went wrong, each step the sync took,
// the raw payload, and a replay that is watched until the event settles again.
import { useSignal } from "@preact/signals";
import type { EventDetailResponse } from "../../../worker/src/api-types";
import { get } from "../api";
import { lang, t, tn, type Key } from "../i18n";
import { dateTime } from "../format";
import { useLoad, usePoll } from "../load";
import { Link } from "../router";
import { Badge, Button, Card, Empty, ErrorBox, Loading, StatusBadge, type Tone } from "../ui/kit";
import { auditMessage, storedText } from "../problem";
import { replayOne } from "./replay";
import { entityLabel, eventActionLabel, eventTitle, sourceLabel } from "./words";

const LEVEL_TONE: Record<string, Tone> = { info: "info", warn: "warn", error: "bad" };
const REPLAYABLE = ["failed", "parked", "skipped", "done"];
const WAITING = ["received", "processing"];
/** After a replay the page watches the event this long at most. */
const WATCH_MS = 60_000;

export interface EventPageProps {
  id: number;
}

export function EventPage({ id }: EventPageProps) {
  const res = useLoad(() => get<EventDetailResponse>(`/api/admin/events/${id}`), [id]);
  const busy = useSignal(false);
  const watchUntil = useSignal(0);
  const d = res.data.value;
  const waiting = !!d && WAITING.includes(d.event.status);
  usePoll(waiting || watchUntil.value > Date.now(), 1500, async () => {
    await res.reload();
    if (Date.now() > watchUntil.value && !WAITING.includes(res.data.value?.event.status ?? "")) watchUntil.value = 0;
  });

  const replay = async () => {
    busy.value = true;
    if (await replayOne(id)) {
      watchUntil.value = Date.now() + WATCH_MS;
      await res.reload();
    }
    busy.value = false;
  };

  return (
    <div class="page" data-testid="page-event">
      <div class="page-head">
        <h1>{t("event.title", { id })}</h1>
        <Link class="btn btn-ghost btn-small" href="/admin/audit?view=events">
          ← {t("event.back")}
        </Link>
      </div>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {!d ? (
        res.error.value ? null : <Loading />
      ) : (
        <>
          <Card
            title={eventTitle(d.event)}
            testid="event-card"
            actions={
              REPLAYABLE.includes(d.event.status) ? (
                <Button variant={d.event.status === "failed" ? "primary" : "secondary"} busy={busy.value} onClick={() => void replay()} data-testid="event-replay">
                  {t("action.replay")}
                </Button>
              ) : null
            }
          >
            <dl class="facts">
              <div>
                <dt>{t("event.status")}</dt>
                <dd data-testid="event-status">
                  <StatusBadge status={d.event.status} />
                  {waiting ? <span class="small muted"> {t("event.waiting")}</span> : null}
                </dd>
              </div>
              <div>
                <dt>{t("event.source")}</dt>
                <dd>
                  {sourceLabel(d.event.source)} · {eventActionLabel(d.event.action)}
                </dd>
              </div>
              {d.event.externalId ? (
                <div>
                  <dt>{t("event.external")}</dt>
                  <dd class="mono">{d.event.externalId}</dd>
                </div>
              ) : null}
              {d.event.projectId ? (
                <div>
                  <dt>{t("event.project")}</dt>
                  <dd class="mono">{d.event.projectId}</dd>
                </div>
              ) : null}
              <div>
                <dt>{t("event.received")}</dt>
                <dd>{dateTime(d.event.receivedAt, lang.value)}</dd>
              </div>
              <div>
                <dt>{t("event.processed")}</dt>
                <dd>{dateTime(d.event.processedAt, lang.value)}</dd>
              </div>
              <div>
                <dt>{t("event.attempts")}</dt>
                <dd>{tn("audit.attempts", d.event.attempts)}</dd>
              </div>
            </dl>
            {d.event.error ? (
              <div class="alert alert-bad" data-testid="event-error">
                <strong>{t("event.error")}</strong>
                <p>{storedText(d.event.error, d.event.errorText, lang.value)}</p>
              </div>
            ) : null}
            {d.event.status === "rejected" ? <p class="small muted">{t("event.rejectedHint")}</p> : null}
          </Card>
          <Card title={t("event.steps")} testid="event-steps">
            {d.steps.length === 0 ? (
              <Empty>{t("event.noSteps")}</Empty>
            ) : (
              <ol class="timeline">
                {d.steps.map((s) => (
                  <li key={s.id} class={`step step-${s.level}`}>
                    <div class="row-title">
                      <Badge tone={LEVEL_TONE[s.level] ?? "info"}>{t(`level.${s.level}` as Key)}</Badge> <span class="small muted">{dateTime(s.at, lang.value)}</span>
                    </div>
                    <p class="msg">{auditMessage(s, lang.value)}</p>
                    <p class="small muted">
                      <span class="mono">{s.action}</span>
                      {s.entityType ? ` · ${entityLabel(s.entityType)}${s.entityId ? ` ${s.entityId}` : ""}` : ""}
                    </p>
                    {s.data ? (
                      <details>
                        <summary>{t("event.details")}</summary>
                        <pre class="pre">{JSON.stringify(s.data, null, 2)}</pre>
                      </details>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </Card>
          <Card title={t("event.payload")}>
            <details>
              <summary>{t("event.showPayload")}</summary>
              <pre class="pre" data-testid="event-payload">
                {typeof d.payload === "string" ? d.payload : JSON.stringify(d.payload, null, 2)}
              </pre>
            </details>
          </Card>
        </>
      )}
    </div>
  );
}
