// The sync activity chart. Plain SVG written here rather than a chart library: no dependency to
// keep up to date, a few hundred bytes instead of tens of kilobytes, and full control over
// accessibility (a text summary for screen readers, a <title> per bar for pointer users).
import { useEffect, useRef } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { ActivityBucket } from "../../../worker/src/api-types";
import { lang, t, tn } from "../i18n";
import { dayLabel, hourLabel } from "../format";
import { layoutChart, sumBuckets, OUTCOMES, type Outcome } from "./chart";

export interface ActivityChartProps {
  buckets: ActivityBucket[];
  unit: "hour" | "day";
  height?: number;
}

const OUTCOME_KEY = { synced: "chart.synced", failed: "chart.failed", skipped: "chart.skipped" } as const;

function useWidth(initial: number) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useSignal(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.round(el.getBoundingClientRect().width);
      if (w > 0) width.value = w;
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { ref, width };
}

export function ActivityChart({ buckets, unit, height = 200 }: ActivityChartProps) {
  const { ref, width } = useWidth(600);
  const l = lang.value;
  const layout = layoutChart(buckets, { width: width.value, height, labelWidth: unit === "hour" ? 44 : 52 });
  const label = (ms: number) => (unit === "hour" ? hourLabel(ms, l) : dayLabel(ms, l));
  const sums = sumBuckets(buckets);
  const summary = t(unit === "hour" ? "chart.summaryHours" : "chart.summaryDays", {
    synced: sums.synced,
    failed: sums.failed,
    skipped: sums.skipped,
  });
  const { plot } = layout;
  return (
    <div class="chart" ref={ref} data-testid="activity-chart">
      <svg width={width.value} height={height} viewBox={`0 0 ${width.value} ${height}`} role="img" aria-label={summary}>
        <title>{summary}</title>
        {layout.ticks.map((tick) => (
          <g key={tick.value} class="tick">
            <line x1={plot.left} x2={plot.left + plot.width} y1={tick.y} y2={tick.y} />
            <text x={plot.left - 6} y={tick.y + 4} text-anchor="end">
              {tick.value}
            </text>
          </g>
        ))}
        {layout.bars.map((bar, i) => (
          <g key={bar.start} class="bar">
            <title>
              {`${unit === "hour" ? hourLabel(bar.start, l) : dayLabel(bar.start, l)}: ${OUTCOMES.map((o) => `${t(OUTCOME_KEY[o])} ${(buckets[i] as Record<Outcome, number>)[o]}`).join(", ")}`}
            </title>
            {/* A transparent full-height target so that short bars still show their tooltip. */}
            <rect class="hit" x={bar.x} y={plot.top} width={bar.width} height={plot.height} />
            {bar.segments.map((s) => (
              <rect key={s.outcome} class={`seg seg-${s.outcome}`} x={bar.x} y={s.y} width={bar.width} height={s.height} rx="1.5" />
            ))}
            {i % layout.labelEvery === 0 ? (
              <text class="xlabel" x={bar.x + bar.width / 2} y={plot.top + plot.height + 16} text-anchor="middle">
                {label(bar.start)}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <ul class="legend">
        {OUTCOMES.map((o) => (
          <li key={o}>
            <span class={`swatch seg-${o}`} aria-hidden="true" />
            {t(OUTCOME_KEY[o])}: {tn("chart.events", sums[o])}
          </li>
        ))}
      </ul>
    </div>
  );
}
