// The rules list: what each rule does in words, on/off, order (rules run top to bottom) and delete.
import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { Rule, RuleListResponse } from "../../../worker/src/api-types";
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

function failToast(err: unknown) {
  toast(errorText(err, lang.value, { network: t("error.network"), server: (status) => t("error.server", { status }) }).message, "error");
}

export interface RuleRowProps {
  rule: Rule;
  index: number;
  count: number;
  names: Names;
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
          {rule.enabled ? <Badge tone="ok">{t("rules.on")}</Badge> : <Badge tone="muted">{t("rules.off")}</Badge>}
        </div>
        <p class="small muted">
          {t(TRIGGER_KEY[rule.trigger])} · {conditions ? tn("rules.conditions", conditions) : t("rules.always")}
        </p>
        <ul class="small action-summary">
          {rule.actions.map((a, i) => (
            <li key={i}>{describeAction(a, names)}</li>
          ))}
        </ul>
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
  const busy = useSignal(false);
  useEffect(() => {
    void loadMeta();
  }, []);
  const names: Names = { meta: metadata.value, schemas: lptInfo.value?.schemas ?? [] };
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
      await res.reload();
    }
  };

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
              onToggle={() => void run(() => put(`/api/admin/rules/${r.id}`, { ...toInput(r), enabled: !r.enabled }), r.enabled ? t("rules.turnedOff") : t("rules.turnedOn"))}
              onMove={(delta) => void run(() => post("/api/admin/rules/reorder", { ids: move(rules, i, delta).map((x) => x.id) }))}
              onDelete={() => run(() => del(`/api/admin/rules/${r.id}`), t("rules.deleted"))}
            />
          ))}
        </ol>
      )}
    </div>
  );
}
