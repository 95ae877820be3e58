// Every saved change of a rule — who, when, before and after — with a way back to any version.
import { useSignal } from "@preact/signals";
import type { RuleHistoryResponse, RuleInput, RuleVersionView } from "../../../worker/src/api-types";
import { get, post } from "../api";
import { lang, t, type Key } from "../i18n";
import { dateTime } from "../format";
import { useLoad } from "../load";
import { Card, ConfirmButton, ErrorBox, Loading } from "../ui/kit";
import { toast } from "../ui/toast";
import { errorText } from "../problem";
import { countConditions } from "./model";
import { describeAction, TRIGGER_KEY, type Names } from "./describe";

export function actorText(actor: string | null): string {
  const m = actor ? /^amo-user:(\d+)$/.exec(actor) : null;
  return m ? t("hist.who", { id: m[1]! }) : (actor ?? t("hist.system"));
}

function Snapshot({ s, names }: { s: (RuleInput & { position: number }) | null; names: Names }) {
  if (!s) return <p class="small muted">—</p>;
  return (
    <div class="small">
      <p>
        «{s.name}» · {t(TRIGGER_KEY[s.trigger])} · {s.enabled ? t("rules.on") : t("rules.off")} · {countConditions(s.conditions) || t("rules.always")}
      </p>
      <ul>
        {s.actions.map((a, i) => (
          <li key={i}>{describeAction(a, names)}</li>
        ))}
      </ul>
    </div>
  );
}

export interface HistoryPanelProps {
  ruleId: number;
  names: Names;
  /** After a restore: the editor reloads the rule. */
  onRestored: () => void;
  /** Changes when the rule is saved, so that the list shows the new version. */
  version: number;
}

export function HistoryPanel({ ruleId, names, onRestored, version }: HistoryPanelProps) {
  const res = useLoad(() => get<RuleHistoryResponse>(`/api/admin/rules/${ruleId}/history`), [ruleId, version]);
  const open = useSignal<number | null>(null);
  const restore = async (v: RuleVersionView) => {
    try {
      await post(`/api/admin/rules/${ruleId}/restore`, { version: v.version });
      toast(t("hist.restored", { v: v.version }));
      onRestored();
    } catch (err) {
      toast(errorText(err, lang.value, { network: t("error.network"), server: (status) => t("error.server", { status }) }).message, "error");
    }
  };
  const items = res.data.value?.items ?? [];
  return (
    <Card title={t("hist.title")} testid="history">
      <p class="small muted">{t("hist.intro")}</p>
      {res.error.value ? <ErrorBox error={res.error.value} onRetry={() => void res.reload()} /> : null}
      {!res.data.value && !res.error.value ? <Loading /> : null}
      <ol class="rows">
        {items.map((v, i) => (
          <li key={v.version} class="row" data-testid="history-row">
            <div class="row-main">
              <div class="row-title">
                <button type="button" class="link" aria-expanded={open.value === v.version} onClick={() => (open.value = open.value === v.version ? null : v.version)}>
                  {t("hist.version", { v: v.version })}
                </button>{" "}
                · {t(`hist.change.${v.change}` as Key)}
                {v.note ? ` (${v.note})` : ""} {i === 0 ? <span class="muted small">· {t("hist.current")}</span> : null}
              </div>
              <p class="small muted">
                {dateTime(v.at, lang.value)} · {actorText(v.actor)}
              </p>
              {open.value === v.version ? (
                <div class="history-diff">
                  <div>
                    <h4>{t("hist.before")}</h4>
                    <Snapshot s={v.before} names={names} />
                  </div>
                  <div>
                    <h4>{t("hist.after")}</h4>
                    <Snapshot s={v.after} names={names} />
                  </div>
                </div>
              ) : null}
            </div>
            {i > 0 && v.after ? (
              <div class="row-actions">
                <ConfirmButton label={t("hist.restore")} question={t("hist.restoreQ", { v: v.version })} confirmLabel={t("hist.restore")} variant="secondary" onConfirm={() => restore(v)} testid="history-restore" />
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </Card>
  );
}
