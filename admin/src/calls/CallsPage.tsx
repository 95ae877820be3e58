// Call results: filter by dates, result and whether the call reached amoCRM; sort; page; export
// the same selection to XLSX.
import type { CallListResponse } from "../../../worker/src/api-types";
import { get, queryString } from "../api";
import type { CallResultsResponse } from "../api-extra";
import { lang, t, type Key } from "../i18n";
import { browserTimeZone, dateTime, duration } from "../format";
import { useLoad } from "../load";
import { query, setQuery } from "../router";
import { Badge, Card, Empty, ErrorBox, Field, Loading, Pager, type Tone } from "../ui/kit";
import { sourceLabel } from "../audit/words";
import { callApiQuery, callFilterParams, PAGE, readCallFilter, SYNC_STATES, toggleSort, type CallFilter } from "./query";

const SYNC: Record<string, { tone: Tone; key: Key }> = {
  pending: { tone: "warn", key: "calls.sync.pending" },
  posted: { tone: "ok", key: "calls.sync.posted" },
  failed: { tone: "bad", key: "calls.sync.failed" },
};

/** Only web links open: a recording URL is data from elsewhere. */
function safeUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

export interface SortHeaderProps {
  filter: CallFilter;
  column: CallFilter["sort"];
  label: string;
  onSort: (f: CallFilter) => void;
}

export function SortHeader({ filter, column, label, onSort }: SortHeaderProps) {
  const active = filter.sort === column;
  return (
    <th scope="col" aria-sort={active ? (filter.dir === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" class="sort" onClick={() => onSort(toggleSort(filter, column))} data-testid={`sort-${column}`}>
        {label} <span aria-hidden="true">{active ? (filter.dir === "asc" ? "▲" : "▼") : "↕"}</span>
      </button>
    </th>
  );
}

export function CallsPage() {
  const f = readCallFilter(query.value);
  const apiQ = callApiQuery(f);
  const key = JSON.stringify(apiQ);
  const res = useLoad(() => get<CallListResponse>("/api/admin/calls", apiQ), [key]);
  const results = useLoad(() => get<CallResultsResponse>("/api/admin/calls/results"), []);
  const apply = (next: CallFilter) => setQuery(callFilterParams(next));
  const change = (patch: Partial<CallFilter>) => apply({ ...f, ...patch, offset: 0 });
  const exportHref = `/api/admin/calls/export.xlsx${queryString({ ...callApiQuery(f), limit: undefined, offset: undefined, lang: lang.value, tz: browserTimeZone() })}`;
  const data = res.data.value;
  const resultChoices = [...new Set([...(results.data.value?.items ?? []), ...(f.result ? [f.result] : [])])];

  return (
    <div class="page" data-testid="page-calls">
      <div class="page-head">
        <h1>{t("nav.calls")}</h1>
        <a class="btn btn-secondary" href={exportHref} download data-testid="calls-export">
          {t("calls.export")}
        </a>
      </div>
      <Card>
        <div class="filters">
          <Field label={t("filter.from")}>
            <input class="input" type="date" value={f.from} max={f.to || undefined} onChange={(e) => change({ from: (e.target as HTMLInputElement).value })} data-testid="calls-from" />
          </Field>
          <Field label={t("filter.to")}>
            <input class="input" type="date" value={f.to} min={f.from || undefined} onChange={(e) => change({ to: (e.target as HTMLInputElement).value })} data-testid="calls-to" />
          </Field>
          <Field label={t("calls.result")}>
            <select class="input" value={f.result} onChange={(e) => change({ result: (e.target as HTMLSelectElement).value })} data-testid="calls-result">
              <option value="">{t("filter.any")}</option>
              {resultChoices.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("calls.syncState")}>
            <select class="input" value={f.syncStatus} onChange={(e) => change({ syncStatus: (e.target as HTMLSelectElement).value })} data-testid="calls-sync">
              <option value="">{t("filter.any")}</option>
              {SYNC_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(SYNC[s]!.key)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("calls.sort")}>
            <select
              class="input"
              value={`${f.sort}:${f.dir}`}
              onChange={(e) => {
                const [sort, dir] = (e.target as HTMLSelectElement).value.split(":") as [CallFilter["sort"], CallFilter["dir"]];
                change({ sort, dir });
              }}
              data-testid="calls-sort"
            >
              <option value="startedAt:desc">{t("calls.sortNew")}</option>
              <option value="startedAt:asc">{t("calls.sortOld")}</option>
              <option value="duration:desc">{t("calls.sortLong")}</option>
              <option value="duration:asc">{t("calls.sortShort")}</option>
            </select>
          </Field>
          {f.from || f.to || f.result || f.syncStatus ? (
            <button type="button" class="btn btn-ghost btn-small filters-reset" onClick={() => setQuery({})}>
              {t("filter.reset")}
            </button>
          ) : null}
        </div>
      </Card>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {!data ? (
        res.error.value ? null : <Loading />
      ) : data.items.length === 0 ? (
        <Empty>{f.from || f.to || f.result || f.syncStatus ? t("calls.emptyFiltered") : t("calls.empty")}</Empty>
      ) : (
        <Card>
          <table class="table responsive" data-testid="calls-table">
            <thead>
              <tr>
                <SortHeader filter={f} column="startedAt" label={t("calls.when")} onSort={apply} />
                <th scope="col">{t("calls.phone")}</th>
                <SortHeader filter={f} column="duration" label={t("calls.duration")} onSort={apply} />
                <th scope="col">{t("calls.result")}</th>
                <th scope="col">{t("calls.operator")}</th>
                <th scope="col">{t("calls.syncState")}</th>
                <th scope="col">{t("calls.recording")}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((c, i) => {
                const s = SYNC[c.syncStatus] ?? SYNC.pending!;
                const rec = safeUrl(c.recordingUrl);
                return (
                  <tr key={`${c.source}-${c.id}-${i}`} data-testid="call-row">
                    <td data-label={t("calls.when")}>
                      <div>
                      {dateTime(c.at, lang.value)}
                      <span class="small muted block">
                        {c.direction ? t(c.direction === "inbound" ? "calls.inbound" : "calls.outbound") : ""}
                        {c.direction ? " · " : ""}
                        {sourceLabel(c.source)}
                      </span>
                    </div>
                    </td>
                    <td data-label={t("calls.phone")} class="mono">
                      <div>
                      {c.phone ?? "—"}
                    </div>
                    </td>
                    <td data-label={t("calls.duration")}>
                      <div>{duration(c.durationSec)}</div>
                    </td>
                    <td data-label={t("calls.result")}>
                      <div>
                      {c.result ?? "—"}
                      {c.comment ? <span class="small muted block">{c.comment}</span> : null}
                    </div>
                    </td>
                    <td data-label={t("calls.operator")}>
                      <div>{c.operator ?? "—"}</div>
                    </td>
                    <td data-label={t("calls.syncState")}>
                      <div>
                      <Badge tone={s.tone}>{t(s.key)}</Badge>
                      {c.error ? <span class="small bad-text block">{c.error}</span> : null}
                    </div>
                    </td>
                    <td data-label={t("calls.recording")}>
                      <div>
                      {rec ? (
                        <a href={rec} target="_blank" rel="noopener noreferrer">
                          {t("calls.listen")}
                        </a>
                      ) : (
                        "—"
                      )}
                    </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Pager total={data.total} limit={PAGE} offset={f.offset} onChange={(offset) => apply({ ...f, offset })} />
        </Card>
      )}
    </div>
  );
}
