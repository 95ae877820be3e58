// One linked LPTracker lead in the card: name, stage, project, source/UTM, created date, the
// mapped fields and the calls. Everything from the API is rendered as text.
import { h } from "preact";
import type { CardLead } from "../../../worker/src/api-types";
import { formatWhen, safeUrl, sourceLine } from "../format";
import type { CardApi } from "../api";
import type { WidgetEnv } from "../env";
import { CallList } from "./CallList";

export function LeadView({ env, lead }: { env: WidgetEnv<CardApi>; lead: CardLead }) {
  const { t } = env;
  const when = { lang: env.lang, now: env.now() };
  const source = sourceLine(lead.source);
  const url = safeUrl(lead.lptUrl);
  return (
    <section class="lptw-lead" data-testid="lptw-lead">
      <div class="lptw-lead__head">
        <div class="lptw-lead__name" data-testid="lptw-lead-name">
          {lead.name?.trim() || t("card.lead_untitled", { id: lead.lptLeadId })}
        </div>
        <div class="lptw-lead__id lptw-muted lptw-small">#{lead.lptLeadId}</div>
      </div>
      <div class="lptw-lead__badges">
        <span class="lptw-stage" data-testid="lptw-stage" title={t("card.stage")}>
          {lead.stage.name ?? t("card.stage_unknown")}
        </span>
        {lead.projectName && <span class="lptw-muted lptw-small">{lead.projectName}</span>}
      </div>
      <dl class="lptw-facts">
        <Fact label={t("card.source")} value={source || t("card.source_none")} testId="lptw-source" />
        {lead.source.referrer && <Fact label={t("card.referrer")} value={lead.source.referrer} />}
        <Fact label={t("card.created")} value={formatWhen(lead.createdAt, when, t)} />
        {lead.fields
          .filter((f) => f.value.trim())
          .map((f, i) => (
            <Fact key={`${f.label}-${i}`} label={f.label} value={f.value} />
          ))}
      </dl>
      <CallList env={env} calls={lead.calls} />
      {lead.lastEvent?.status === "failed" && lead.lastEvent.error && (
        <div class="lptw-small lptw-tone--missed" data-testid="lptw-lead-error">
          {t("card.last_sync_failed", { error: lead.lastEvent.error })}
        </div>
      )}
      {url && (
        <a class="lptw-btn lptw-btn--ghost lptw-btn--block" href={url} target="_blank" rel="noopener noreferrer" data-testid="lptw-open-lpt">
          {t("card.open_lpt")} ↗
        </a>
      )}
    </section>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div class="lptw-fact" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
