// Tries the rule as it is in the editor, saved or not, on the account's last 100 events together
// with the saved rules: how many it matches, which, and what the sync would do differently. The
// server writes nothing for it.
import type { Signal } from "@preact/signals";
import { useSignal } from "@preact/signals";
import type { PreviewResponse, RuleInput } from "../../../worker/src/api-types";
import { post } from "../api";
import { lang, t, type Key } from "../i18n";
import { dateTime } from "../format";
import { Badge, Button, Card, ErrorBox } from "../ui/kit";
import { eventTitle } from "../audit/words";
import type { FieldDef, Label } from "./fields";
import { issueText, problemIssues } from "./issues";
import { validateRule } from "./model";

export interface PreviewPanelProps {
  rule: Signal<RuleInput>;
  /** The saved rule the edited one would replace; null for a new rule. */
  id: number | null;
  fields: FieldDef[];
  label: Label;
}

export function PreviewPanel({ rule, id, fields, label }: PreviewPanelProps) {
  const result = useSignal<PreviewResponse | null>(null);
  const error = useSignal<unknown>(null);
  const busy = useSignal(false);
  const onlyMatched = useSignal(true);
  // A preview needs what a save needs, except the name.
  const blocking = validateRule({ ...rule.value, name: rule.value.name.trim() || "—" });

  const run = async () => {
    busy.value = true;
    error.value = null;
    try {
      result.value = await post<PreviewResponse>("/api/admin/rules/preview", { rule: rule.value, ...(id !== null ? { id } : {}) });
    } catch (err) {
      result.value = null;
      error.value = err;
    } finally {
      busy.value = false;
    }
  };

  const r = result.value;
  const issues = problemIssues(error.value);
  const shown = r ? r.items.filter((x) => !onlyMatched.value || x.matched) : [];
  return (
    <Card title={t("preview.title")} testid="preview">
      <p class="small muted">{t("preview.intro")}</p>
      <Button variant="primary" busy={busy.value} disabled={blocking.length > 0} onClick={() => void run()} data-testid="preview-run">
        {t("preview.run")}
      </Button>
      {blocking.length ? (
        <p class="small muted" data-testid="preview-incomplete">
          {t("preview.incomplete")} {blocking.map((i) => t(`issue.${i.code}` as Key)).filter((x, n, all) => all.indexOf(x) === n).join(" ")}
        </p>
      ) : null}
      {issues.length ? (
        <ul class="alert alert-bad" role="alert" data-testid="preview-issues">
          {issues.map((i, n) => (
            <li key={n}>{issueText(i, fields, label)}</li>
          ))}
        </ul>
      ) : error.value ? (
        <ErrorBox error={error.value} />
      ) : null}
      {r ? (
        <div class="preview-result" data-testid="preview-result">
          {r.total === 0 ? (
            <p class="muted">{t("preview.none")}</p>
          ) : (
            <>
              <p data-testid="preview-summary">
                <strong>{t("preview.summary", { matched: r.matched, total: r.total, applied: r.applied, changed: r.changed })}</strong>
              </p>
              <label class="check">
                <input type="checkbox" checked={onlyMatched.value} onChange={() => (onlyMatched.value = !onlyMatched.value)} data-testid="preview-only-matched" />
                <span>{t("preview.onlyMatched")}</span>
              </label>
              <ul class="rows">
                {shown.map((x) => (
                  <li key={x.eventId} class="row" data-testid="preview-item">
                    <div class="row-main">
                      <div class="row-title">
                        {eventTitle({ id: x.eventId, source: x.source, action: x.action, externalId: x.externalId })}{" "}
                        <Badge tone={x.status === "matched" ? "ok" : x.matched ? "warn" : "muted"} testid="preview-status">
                          {x.status === "not_evaluated" ? (x.matched ? t("chain.status.matched") : t("chain.status.not_matched")) : t(`chain.status.${x.status}` as Key)}
                        </Badge>
                      </div>
                      <p class="small muted">{dateTime(x.receivedAt, lang.value)}</p>
                      {x.changes.length ? (
                        <ul class="small" data-testid="preview-changes">
                          {x.changes.map((c, i) => (
                            <li key={i}>
                              {t(`preview.what.${c.what}` as Key)}: {c.before ?? t("preview.nothing")} → <strong>{c.after ?? t("preview.nothing")}</strong>
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <p class="small muted">{t("preview.noChange")}</p>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      ) : null}
    </Card>
  );
}
