// The dashboard: is the integration installed and connected, is data arriving, how much went
// through today and this week, the activity chart, and the latest failures with a replay button.
import { useSignal } from "@preact/signals";
import type { DashboardResponse, EventView, StatusCounts } from "../../../worker/src/api-types";
import { get } from "../api";
import { lang, t, tn, formatInt, type Key } from "../i18n";
import { browserTimeZone, dateTime, relative } from "../format";
import { useLoad } from "../load";
import { Link } from "../router";
import { Badge, Button, Card, Empty, ErrorBox, Loading, StatusBadge, type Tone } from "../ui/kit";
import { ActivityChart } from "./ActivityChart";
import { replayOne } from "../audit/replay";
import { eventTitle } from "../audit/words";
import { pickLanguage, storedText } from "../problem";

const INSTALL: Record<DashboardResponse["install"]["status"], { tone: Tone; key: Key }> = {
  active: { tone: "ok", key: "install.active" },
  pending: { tone: "warn", key: "install.pending" },
  reauth_required: { tone: "bad", key: "install.reauth" },
  uninstalled: { tone: "bad", key: "install.uninstalled" },
  not_installed: { tone: "bad", key: "install.notInstalled" },
};

const HOOK: Record<string, { tone: Tone; key: Key }> = {
  registered: { tone: "ok", key: "lpt.hookRegistered" },
  pending: { tone: "warn", key: "lpt.hookPending" },
  failed: { tone: "bad", key: "lpt.hookFailed" },
};

export interface InstallCardProps {
  install: DashboardResponse["install"];
  held?: DashboardResponse["held"];
}

export function InstallCard({ install, held }: InstallCardProps) {
  const s = INSTALL[install.status];
  const waiting = held ? held.paused + held.parked : 0;
  return (
    <Card title={t("dash.amo")} testid="card-install">
      <p>
        <Badge tone={s.tone} testid="install-status">
          {t(s.key)}
        </Badge>
      </p>
      {install.domain ? <p class="mono">{install.domain}</p> : null}
      {install.status === "pending" ? <p class="small muted">{t("banner.pending")}</p> : null}
      {install.reason && install.status !== "active" ? <p class="small muted">{pickLanguage(install.reason, lang.value)}</p> : null}
      {held?.widgetOff ? (
        <p>
          <Badge tone="warn" testid="install-paused">
            {t("dash.widgetOff")}
          </Badge>
        </p>
      ) : null}
      {waiting ? (
        <p class="small">
          <Link href={`/admin/audit?view=events&status=${held!.paused ? "paused" : "parked"}`} data-testid="held-events">
            {tn("dash.held", waiting)}
          </Link>
        </p>
      ) : null}
    </Card>
  );
}

export interface LptCardProps {
  lpt: DashboardResponse["lptracker"];
}

export function LptCard({ lpt }: LptCardProps) {
  const selected = lpt.projects.filter((p) => p.selected);
  return (
    <Card title={t("dash.lpt")} testid="card-lpt">
      {!lpt.connected ? (
        <>
          <p>
            <Badge tone="warn">{t("lpt.notConnected")}</Badge>
          </p>
          <p class="small">{t("lpt.connectHint")}</p>
        </>
      ) : (
        <>
          <p>
            <Badge tone={lpt.status === "error" ? "bad" : "ok"}>{lpt.status === "error" ? t("lpt.error") : t("lpt.connected")}</Badge>{" "}
            <span class="mono small">{lpt.login}</span>
          </p>
          {lpt.lastError ? <p class="small bad-text">{pickLanguage(lpt.lastError, lang.value)}</p> : null}
          {selected.length === 0 ? (
            <p class="small muted">{t("lpt.noProjects")}</p>
          ) : (
            <ul class="plain-list">
              {selected.map((p) => {
                const h = HOOK[p.hookStatus ?? "pending"] ?? HOOK.pending!;
                return (
                  <li key={p.id}>
                    <span>{p.name}</span> <Badge tone={h.tone}>{t(h.key)}</Badge>
                    {p.hookError ? <span class="small bad-text block">{pickLanguage(p.hookError, lang.value)}</span> : null}
                  </li>
                );
              })}
            </ul>
          )}
          {lpt.warning ? <p class="small warn-text">{storedText(lpt.warning, lpt.warningText, lang.value)}</p> : null}
        </>
      )}
    </Card>
  );
}

export interface LastEventCardProps {
  at: number | null;
  now: number;
}

export function LastEventCard({ at, now }: LastEventCardProps) {
  const stale = at !== null && now - at > 24 * 3_600_000;
  return (
    <Card title={t("dash.lastEvent")} testid="card-last-event">
      {at === null ? (
        <>
          <p class="big">—</p>
          <p class="small muted">{t("dash.noEvents")}</p>
        </>
      ) : (
        <>
          <p class="big">{relative(at, now, lang.value)}</p>
          <p class="small muted">{dateTime(at, lang.value)}</p>
          {stale ? <p class="small warn-text">{t("dash.stale")}</p> : null}
        </>
      )}
    </Card>
  );
}

export interface CountsProps {
  title: string;
  counts: StatusCounts;
  testid: string;
}

export function Counts({ title, counts, testid }: CountsProps) {
  const items: { key: Key; value: number; cls: string }[] = [
    { key: "count.received", value: counts.received, cls: "" },
    { key: "count.synced", value: counts.synced, cls: counts.synced ? "ok-text" : "" },
    { key: "count.failed", value: counts.failed, cls: counts.failed ? "bad-text" : "" },
    { key: "count.skipped", value: counts.skipped, cls: "" },
  ];
  return (
    <Card title={title} testid={testid}>
      <dl class="stats">
        {items.map((x) => (
          <div key={x.key}>
            <dt>{t(x.key)}</dt>
            <dd class={x.cls} data-testid={`${testid}-${x.key.slice(6)}`}>
              {formatInt(x.value)}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

export interface FailureListProps {
  items: EventView[];
  onReplayed: () => void;
}

export function FailureList({ items, onReplayed }: FailureListProps) {
  const busy = useSignal<number | null>(null);
  if (!items.length) return <Empty>{t("dash.noFailures")}</Empty>;
  return (
    <ul class="rows" data-testid="failures">
      {items.map((e) => (
        <li key={e.id} class="row" data-testid="failure">
          <div class="row-main">
            <div class="row-title">
              <StatusBadge status={e.status} /> <Link href={`/admin/audit/${e.id}`}>{eventTitle(e)}</Link>
            </div>
            {e.error ? <p class="small bad-text clamp">{storedText(e.error, e.errorText, lang.value)}</p> : null}
            <p class="small muted">{dateTime(e.receivedAt, lang.value)}</p>
          </div>
          <div class="row-actions">
            <Button
              small
              variant="primary"
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
        </li>
      ))}
    </ul>
  );
}

export interface QuotaWarningProps {
  quotas: DashboardResponse["quotas"];
}

/** A warning when this account's webhooks hit a quota in the last 24 h: one line per kind, summed. */
export function QuotaWarning({ quotas }: QuotaWarningProps) {
  if (!quotas?.length) return null;
  const byKind = new Map<DashboardResponse["quotas"][number]["kind"], { refused: number; lastAt: number }>();
  for (const q of quotas) {
    const k = byKind.get(q.kind) ?? { refused: 0, lastAt: 0 };
    byKind.set(q.kind, { refused: k.refused + q.refused, lastAt: Math.max(k.lastAt, q.lastAt) });
  }
  return (
    <div class="banner banner-warn" role="alert" data-testid="quota-warning">
      <strong>{t("quota.title")}</strong>
      {[...byKind].map(([kind, k]) => (
        <p key={kind} class="small" data-testid={`quota-${kind}`}>
          {tn(kind === "hook_rate" ? "quota.hook_rate" : "quota.rejected_bodies", k.refused, { at: dateTime(k.lastAt, lang.value) })}
        </p>
      ))}
    </div>
  );
}

export function DashboardPage() {
  const range = useSignal<"hour" | "day">("hour");
  const tz = browserTimeZone();
  const res = useLoad(() => get<DashboardResponse>("/api/admin/dashboard", { tz }), []);
  const d = res.data.value;
  return (
    <div class="page" data-testid="page-dashboard">
      <div class="page-head">
        <h1>{t("nav.dashboard")}</h1>
        <Button small onClick={() => void res.reload()} busy={res.loading.value && !!d} data-testid="refresh">
          {t("action.refresh")}
        </Button>
      </div>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {!d ? (
        res.error.value ? null : <Loading />
      ) : (
        <>
          <QuotaWarning quotas={d.quotas} />
          <div class="grid3">
            <InstallCard install={d.install} held={d.held} />
            <LptCard lpt={d.lptracker} />
            <LastEventCard at={d.lastEventAt} now={Date.now()} />
          </div>
          <div class="grid2">
            <Counts title={t("dash.today")} counts={d.counts.today} testid="counts-today" />
            <Counts title={t("dash.week")} counts={d.counts.week} testid="counts-week" />
          </div>
          <Card
            title={t("dash.activity")}
            actions={
              <div class="seg-control" role="group" aria-label={t("dash.activity")}>
                <button type="button" class={range.value === "hour" ? "on" : ""} aria-pressed={range.value === "hour"} onClick={() => (range.value = "hour")}>
                  {t("dash.hours24")}
                </button>
                <button type="button" class={range.value === "day" ? "on" : ""} aria-pressed={range.value === "day"} onClick={() => (range.value = "day")}>
                  {t("dash.days14")}
                </button>
              </div>
            }
          >
            <ActivityChart buckets={range.value === "hour" ? d.activity.hourly : d.activity.daily} unit={range.value} />
          </Card>
          <Card
            title={t("dash.failures")}
            testid="card-failures"
            actions={
              d.latestFailures.length ? (
                <Link class="btn btn-ghost btn-small" href="/admin/audit?view=events&status=failed">
                  {t("dash.allFailures")}
                </Link>
              ) : null
            }
          >
            {d.latestFailures.length ? <p class="small muted">{tn("dash.failuresHint", d.latestFailures.length)}</p> : null}
            <FailureList items={d.latestFailures} onReplayed={() => setTimeout(() => void res.reload(), 1500)} />
          </Card>
        </>
      )}
    </div>
  );
}
