// The audit log and the event list: filters, text search, pages, one event's detail a click away,
// replay of one event and of every failed event the filter covers.
import { useSignal } from "@preact/signals";
import type { AuditListResponse, AuditView, EventListResponse, EventView } from "../../../worker/src/api-types";
import { get } from "../api";
import { lang, t, tn, type Key } from "../i18n";
import { dateTime } from "../format";
import { useLoad } from "../load";
import { Link, query, setQuery } from "../router";
import { Badge, Button, Card, ConfirmButton, Empty, ErrorBox, Field, Loading, Pager, StatusBadge, type Tone } from "../ui/kit";
import { auditMessage, storedText } from "../problem";
import { replayFailed, replayOne } from "./replay";
import { auditApiQuery, auditFilterParams, eventApiQuery, hasFilter, PAGE, readAuditFilter, replayScope, type AuditFilter } from "./query";
import { AUDIT_SOURCES, ENTITY_TYPES, EVENT_SOURCES, EVENT_STATUSES, entityLabel, eventTitle, sourceLabel } from "./words";

const LEVEL: Record<AuditView["level"], { tone: Tone; key: Key }> = {
  info: { tone: "info", key: "level.info" },
  warn: { tone: "warn", key: "level.warn" },
  error: { tone: "bad", key: "level.error" },
};

export interface BulkReplayProps {
  filter: AuditFilter;
  onDone: () => void;
}

/** "Replay N failed events" for the filter's period and source; hidden when there is nothing to replay. */
export function BulkReplay({ filter, onDone }: BulkReplayProps) {
  const scope = replayScope(filter);
  const key = JSON.stringify(scope);
  const count = useLoad(() => get<EventListResponse>("/api/admin/events", { ...scope, status: "failed", limit: 1 }), [key]);
  const n = count.data.value?.total ?? 0;
  if (!n) return null;
  return (
    <ConfirmButton
      variant="primary"
      small={false}
      label={tn("replay.bulk", n)}
      question={tn("replay.bulkQ", n)}
      confirmLabel={t("replay.bulkYes")}
      testid="replay-all"
      onConfirm={async () => {
        await replayFailed(scope);
        await count.reload();
        onDone();
      }}
    />
  );
}

export interface LogRowsProps {
  items: AuditView[];
}

export function LogRows({ items }: LogRowsProps) {
  return (
    <ul class="rows log" data-testid="audit-rows">
      {items.map((a) => {
        const l = LEVEL[a.level] ?? LEVEL.info;
        return (
          <li key={a.id} class="row" data-testid="audit-row">
            <div class="row-main">
              <div class="row-title">
                <Badge tone={l.tone}>{t(l.key)}</Badge> <span class="muted small">{sourceLabel(a.source)}</span> <span class="muted small">{dateTime(a.at, lang.value)}</span>
              </div>
              <p class="msg">{auditMessage(a, lang.value)}</p>
              <p class="small muted">
                <span class="mono">{a.action}</span>
                {a.entityType ? ` · ${entityLabel(a.entityType)}${a.entityId ? ` ${a.entityId}` : ""}` : ""}
                {a.actor ? ` · ${a.actor}` : ""}
              </p>
            </div>
            {a.eventId ? (
              <div class="row-actions">
                <Link class="btn btn-ghost btn-small" href={`/admin/audit/${a.eventId}`}>
                  {t("audit.openEvent", { id: a.eventId })}
                </Link>
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

export interface EventRowsProps {
  items: EventView[];
  onReplayed: () => void;
}

export function EventRows({ items, onReplayed }: EventRowsProps) {
  const busy = useSignal<number | null>(null);
  return (
    <ul class="rows" data-testid="event-rows">
      {items.map((e) => (
        <li key={e.id} class="row" data-testid="event-row">
          <div class="row-main">
            <div class="row-title">
              <StatusBadge status={e.status} /> <Link href={`/admin/audit/${e.id}`}>{eventTitle(e)}</Link>
            </div>
            {e.error ? <p class="small bad-text clamp">{storedText(e.error, e.errorText, lang.value)}</p> : null}
            <p class="small muted">
              {dateTime(e.receivedAt, lang.value)} · {tn("audit.attempts", e.attempts)}
            </p>
          </div>
          {e.status === "failed" || e.status === "parked" || e.status === "skipped" ? (
            <div class="row-actions">
              <Button
                small
                variant={e.status === "failed" ? "primary" : "secondary"}
                busy={busy.value === e.id}
                data-testid="replay"
                onClick={async () => {
                  busy.value = e.id;
                  if (await replayOne(e.id)) onReplayed();
                  busy.value = null;
                }}
              >
                {t("action.replay")}
              </Button>
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export interface FiltersProps {
  filter: AuditFilter;
  onChange: (f: AuditFilter) => void;
}

export function Filters({ filter: f, onChange }: FiltersProps) {
  const q = useSignal(f.q);
  const entityId = useSignal(f.entityId);
  const change = (patch: Partial<AuditFilter>) => onChange({ ...f, ...patch, offset: 0 });
  const sources = f.view === "events" ? EVENT_SOURCES : AUDIT_SOURCES;
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        change({ q: q.value, entityId: entityId.value });
      }}
    >
      {f.view === "log" ? (
        <Field label={t("audit.search")} class="grow">
          <input class="input" type="search" value={q.value} placeholder={t("audit.searchPlaceholder")} onInput={(e) => (q.value = (e.target as HTMLInputElement).value)} data-testid="audit-q" />
        </Field>
      ) : (
        <Field label={t("audit.status")}>
          <select class="input" value={f.status} onChange={(e) => change({ status: (e.target as HTMLSelectElement).value })} data-testid="events-status">
            <option value="">{t("filter.any")}</option>
            {EVENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as Key)}
              </option>
            ))}
          </select>
        </Field>
      )}
      {f.view === "log" ? (
        <Field label={t("audit.level")}>
          <select class="input" value={f.level} onChange={(e) => change({ level: (e.target as HTMLSelectElement).value })} data-testid="audit-level">
            <option value="">{t("filter.any")}</option>
            {(["error", "warn", "info"] as const).map((l) => (
              <option key={l} value={l}>
                {t(LEVEL[l].key)}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field label={t("audit.source")}>
        <select class="input" value={f.source} onChange={(e) => change({ source: (e.target as HTMLSelectElement).value })} data-testid="audit-source">
          <option value="">{t("filter.any")}</option>
          {sources.map((s) => (
            <option key={s} value={s}>
              {sourceLabel(s)}
            </option>
          ))}
        </select>
      </Field>
      {f.view === "log" ? (
        <>
          <Field label={t("audit.entity")}>
            <select class="input" value={f.entityType} onChange={(e) => change({ entityType: (e.target as HTMLSelectElement).value })} data-testid="audit-entity">
              <option value="">{t("filter.any")}</option>
              {ENTITY_TYPES.map((x) => (
                <option key={x} value={x}>
                  {entityLabel(x)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("audit.entityId")}>
            <input class="input" value={entityId.value} inputMode="numeric" placeholder="4711" onInput={(e) => (entityId.value = (e.target as HTMLInputElement).value)} data-testid="audit-entity-id" />
          </Field>
        </>
      ) : null}
      <Field label={t("filter.from")}>
        <input class="input" type="date" value={f.from} onChange={(e) => change({ from: (e.target as HTMLInputElement).value })} data-testid="audit-from" />
      </Field>
      <Field label={t("filter.to")}>
        <input class="input" type="date" value={f.to} onChange={(e) => change({ to: (e.target as HTMLInputElement).value })} data-testid="audit-to" />
      </Field>
      <div class="filters-buttons">
        {f.view === "log" ? (
          <Button type="submit" variant="primary" small data-testid="audit-apply">
            {t("filter.apply")}
          </Button>
        ) : null}
        {hasFilter(f) ? (
          <Button
            small
            variant="ghost"
            onClick={() => {
              q.value = "";
              entityId.value = "";
              setQuery(f.view === "events" ? { view: "events" } : {});
            }}
          >
            {t("filter.reset")}
          </Button>
        ) : null}
      </div>
    </form>
  );
}

export function AuditPage() {
  const f = readAuditFilter(query.value);
  const apply = (next: AuditFilter) => setQuery(auditFilterParams(next));
  const logQ = auditApiQuery(f);
  const evQ = eventApiQuery(f);
  const key = JSON.stringify(f.view === "log" ? logQ : evQ);
  const res = useLoad<AuditListResponse | EventListResponse>(() => (f.view === "log" ? get<AuditListResponse>("/api/admin/audit", logQ) : get<EventListResponse>("/api/admin/events", evQ)), [f.view, key]);
  const data = res.data.value;
  const switchView = (view: AuditFilter["view"]) => setQuery(auditFilterParams({ ...f, view, source: "", status: "", level: "", offset: 0 }), { push: true });
  return (
    <div class="page" data-testid="page-audit">
      <div class="page-head">
        <h1>{t("nav.audit")}</h1>
        <BulkReplay filter={f} onDone={() => void res.reload()} />
      </div>
      <div class="seg-control big" role="tablist" aria-label={t("nav.audit")}>
        <button type="button" role="tab" aria-selected={f.view === "log"} class={f.view === "log" ? "on" : ""} onClick={() => switchView("log")} data-testid="view-log">
          {t("audit.viewLog")}
        </button>
        <button type="button" role="tab" aria-selected={f.view === "events"} class={f.view === "events" ? "on" : ""} onClick={() => switchView("events")} data-testid="view-events">
          {t("audit.viewEvents")}
        </button>
      </div>
      <p class="muted intro">{t(f.view === "log" ? "audit.introLog" : "audit.introEvents")}</p>
      <Card>
        <Filters key={f.view} filter={f} onChange={apply} />
      </Card>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {!data || res.loading.value ? (
        res.error.value ? null : <Loading />
      ) : data.items.length === 0 ? (
        <Empty>{hasFilter(f) ? t("audit.emptyFiltered") : t("audit.empty")}</Empty>
      ) : (
        <Card>
          {f.view === "log" ? <LogRows items={data.items as AuditView[]} /> : <EventRows items={data.items as EventView[]} onReplayed={() => setTimeout(() => void res.reload(), 1500)} />}
          <Pager total={data.total} limit={PAGE} offset={f.offset} onChange={(offset) => apply({ ...f, offset })} />
        </Card>
      )}
    </div>
  );
}
