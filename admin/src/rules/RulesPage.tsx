// The rules list: what each rule does in words, on/off, order (rules run top to bottom), delete,
// rules whose conditions no longer fit the account flagged, and deleted rules to bring back.
import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { RuleHistoryResponse, RuleListResponse, RuleView } from "../../../worker/src/api-types";
import { del, get, post, put } from "../api";
import { lang, t, tn } from "../i18n";
import { errorText } from "../problem";
import { useLoad } from "../load";
import { Link } from "../router";
import { lptInfo, loadMeta, metadata } from "../meta";
import { Badge, Button, ConfirmButton, Empty, ErrorBox, Loading } from "../ui/kit";
import { toast } from "../ui/toast";
import { countConditions, move, toInput } from "./model";
import { describeAction, TRIGGER_KEY, type Names } from "./describe";
import { fieldsFor, type Label } from "./fields";
import { issueText } from "./issues";
import { actorText } from "./HistoryPanel";
import { dateTime } from "../format";

const label: Label = (key) => t(key);

function failToast(err: unknown) {
  toast(errorText(err, lang.value, { network: t("error.network"), server: (status) => t("error.server", { status }) }).message, "error");
}

export interface RuleRowProps {
  rule: RuleView;
  index: number;
  count: number;
  names: Names & { projects: { id: number; name: string; selected: boolean }[] };
  busy: boolean;
  onToggle: () => void;
  onMove: (delta: -1 | 1) => void;
  onDelete: () => Promise<void>;
}

export function RuleRow({ rule, index, count, names, busy, onToggle, onMove, onDelete }: RuleRowProps) {
  const conditions = countConditions(rule.conditions);
  return (
    <li class={`row rule-row${rule.enabled ? "" : " is-off"}`} data-testid="rule-row">
      <span class="rule-pos" aria-hidden="true">
        {index + 1}
      </span>
      <div class="row-main">
        <div class="row-title">
          <Link href={`/admin/rules/${rule.id}`} data-testid="rule-name">
            {rule.name}
          </Link>{" "}
          {rule.issues?.length ? <Badge tone="bad">{t("rules.flagged")}</Badge> : rule.enabled ? <Badge tone="ok">{t("rules.on")}</Badge> : <Badge tone="muted">{t("rules.off")}</Badge>}
        </div>
        <p class="small muted">
          {t(TRIGGER_KEY[rule.trigger])} · {conditions ? tn("rules.conditions", conditions) : t("rules.always")}
        </p>
        <ul class="small action-summary">
          {rule.actions.map((a, i) => (
            <li key={i}>{describeAction(a, names)}</li>
          ))}
        </ul>
        {rule.issues?.length ? (
          <div class="small bad-text" data-testid="rule-flagged">
            <p>{t("rules.flaggedHint")}</p>
            <ul>
              {rule.issues.map((i, n) => (
                <li key={n}>{issueText(i, fieldsFor(rule.trigger, { meta: names.meta, projects: names.projects, schemas: names.schemas }, label), label)}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
      <div class="row-actions">
        <button
          type="button"
          role="switch"
          class={`switch${rule.enabled ? " on" : ""}`}
          aria-checked={rule.enabled}
          aria-label={t("rules.enabled", { name: rule.name })}
          disabled={busy}
          onClick={onToggle}
          data-testid="rule-toggle"
        >
          <span />
        </button>
        <Button small variant="ghost" disabled={busy || index === 0} aria-label={t("rules.up", { name: rule.name })} onClick={() => onMove(-1)} data-testid="rule-up">
          ↑
        </Button>
        <Button small variant="ghost" disabled={busy || index === count - 1} aria-label={t("rules.down", { name: rule.name })} onClick={() => onMove(1)} data-testid="rule-down">
          ↓
        </Button>
        <Link class="btn btn-ghost btn-small" href={`/admin/rules/${rule.id}`}>
          {t("action.edit")}
        </Link>
        <ConfirmButton label={t("action.delete")} question={t("rules.deleteQ", { name: rule.name })} confirmLabel={t("action.delete")} onConfirm={onDelete} testid="rule-delete" />
      </div>
    </li>
  );
}

export function RulesPage() {
  const res = useLoad(() => get<RuleListResponse>("/api/admin/rules"), []);
  const deleted = useLoad(() => get<RuleHistoryResponse>("/api/admin/rules/deleted"), []);
  const busy = useSignal(false);
  useEffect(() => {
    void loadMeta();
  }, []);
  const names: Names & { projects: { id: number; name: string; selected: boolean }[] } = { meta: metadata.value, schemas: lptInfo.value?.schemas ?? [], projects: lptInfo.value?.projects ?? [] };
  const rules = res.data.value?.items ?? [];

  const run = async (fn: () => Promise<unknown>, done?: string) => {
    busy.value = true;
    try {
      await fn();
      if (done) toast(done);
    } catch (err) {
      failToast(err);
    } finally {
      busy.value = false;
      await Promise.all([res.reload(), deleted.reload()]);
    }
  };
  const gone = deleted.data.value?.items ?? [];

  return (
    <div class="page" data-testid="page-rules">
      <div class="page-head">
        <h1>{t("nav.rules")}</h1>
        <Link class="btn btn-primary" href="/admin/rules/new" data-testid="rule-new">
          + {t("rules.new")}
        </Link>
      </div>
      <p class="muted intro">{t("rules.intro")}</p>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {!res.data.value ? (
        res.error.value ? null : <Loading />
      ) : rules.length === 0 ? (
        <Empty>{t("rules.empty")}</Empty>
      ) : (
        <ol class="rows" data-testid="rules">
          {rules.map((r, i) => (
            <RuleRow
              key={r.id}
              rule={r}
              index={i}
              count={rules.length}
              names={names}
              busy={busy.value}
              onToggle={() => void run(() => put(`/api/admin/rules/${r.id}`, { ...toInput(r), enabled: !r.enabled, version: r.version }), r.enabled ? t("rules.turnedOff") : t("rules.turnedOn"))}
              onMove={(delta) => void run(() => post("/api/admin/rules/reorder", { ids: move(rules, i, delta).map((x) => x.id) }))}
              onDelete={() => run(() => del(`/api/admin/rules/${r.id}`), t("rules.deleted"))}
            />
          ))}
        </ol>
      )}
      {gone.length ? (
        <section class="deleted-rules" data-testid="rules-deleted">
          <h2>{t("rules.deletedTitle")}</h2>
          <ul class="rows">
            {gone.map((v) => (
              <li key={v.ruleId} class="row" data-testid="deleted-rule">
                <div class="row-main">
                  <div class="row-title">{v.before?.name ?? `#${v.ruleId}`}</div>
                  <p class="small muted">
                    {t("hist.change.deleted")} · {dateTime(v.at, lang.value)} · {actorText(v.actor)}
                  </p>
                </div>
                <div class="row-actions">
                  <Button small disabled={busy.value} onClick={() => void run(() => post(`/api/admin/rules/${v.ruleId}/restore`, { version: v.version }), t("rules.restored", { name: v.before?.name ?? "" }))} data-testid="rule-restore">
                    {t("rules.restore")}
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
