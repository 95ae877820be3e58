// The calls of one LPTracker lead: newest first, direction, time, duration, result and the
// recording, five at first so that the card stays short.
import { h } from "preact";
import { useState } from "preact/hooks";
import type { CallView } from "../../../worker/src/api-types";
import { callDirectionKey, callResult, formatDuration, formatWhen, safeUrl } from "../format";
import type { CardApi } from "../api";
import type { WidgetEnv } from "../env";

const FIRST_CALLS = 5;

export interface CallListProps {
  env: WidgetEnv<CardApi>;
  calls: CallView[];
}

export function CallList({ env, calls }: CallListProps) {
  const { t } = env;
  const [all, setAll] = useState(false);
  const sorted = [...calls].sort((a, b) => (b.at ?? 0) - (a.at ?? 0));
  const shown = all ? sorted : sorted.slice(0, FIRST_CALLS);
  return (
    <div class="lptw-calls" data-testid="lptw-calls">
      <div class="lptw-section-title">
        {t("card.calls")} <span class="lptw-count">{calls.length}</span>
      </div>
      {calls.length === 0 && <div class="lptw-muted lptw-small">{t("card.no_calls")}</div>}
      <ul class="lptw-call-list">
        {shown.map((call) => (
          <CallItem key={call.id} env={env} call={call} />
        ))}
      </ul>
      {sorted.length > FIRST_CALLS && (
        <button type="button" class="lptw-link-btn" onClick={() => setAll(!all)}>
          {all ? t("card.calls_less") : t("card.calls_more", { count: sorted.length })}
        </button>
      )}
    </div>
  );
}

function CallItem({ env, call }: { env: WidgetEnv<CardApi>; call: CallView }) {
  const { t } = env;
  const [playing, setPlaying] = useState(false);
  const result = callResult(call.result, t);
  const dir = call.direction ?? "unknown";
  return (
    <li class="lptw-call" data-testid="lptw-call">
      <div class="lptw-call__head">
        <span class={`lptw-call__dir lptw-call__dir--${dir}`} aria-hidden="true">
          {call.direction === "inbound" ? "↙" : call.direction === "outbound" ? "↗" : "•"}
        </span>
        <span class="lptw-call__kind">{t(callDirectionKey(call.direction))}</span>
        <span class="lptw-call__when lptw-muted">{formatWhen(call.at, { lang: env.lang, now: env.now() }, t)}</span>
      </div>
      <div class="lptw-call__meta">
        <span>{formatDuration(call.durationSec, t)}</span>
        <span class={`lptw-call__result lptw-tone--${result.tone}`}>{result.label}</span>
        {/* A bare number is an LPTracker staff id, which tells a manager nothing. */}
        {call.operator && /\D/.test(call.operator) && <span class="lptw-muted">{call.operator}</span>}
      </div>
      {call.syncStatus !== "posted" && <div class={`lptw-small lptw-call__sync lptw-call__sync--${call.syncStatus}`}>{t(`call.sync.${call.syncStatus}`)}</div>}
      {safeUrl(call.recordingUrl) && (
        <div class="lptw-call__record">
          <button type="button" class="lptw-link-btn" onClick={() => setPlaying(!playing)} data-testid="lptw-record">
            {playing ? t("card.record_hide") : `▶ ${t("card.record_listen")}`}
          </button>
          {playing && <audio class="lptw-audio" controls autoplay preload="none" src={safeUrl(call.recordingUrl)!} />}
        </div>
      )}
    </li>
  );
}
