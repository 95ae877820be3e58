// Geometry of the activity chart: a rounded scale, its ticks, and one stacked bar per bucket
// (synced, failed, skipped). Pure numbers in, rectangles out, so that the SVG stays dumb.
import type { ActivityBucket } from "../../../worker/src/api-types";

export type Outcome = "synced" | "failed" | "skipped";
export const OUTCOMES: Outcome[] = ["synced", "failed", "skipped"];

/** The smallest 1-2-5 step scale that holds `max` in four whole-number steps. */
export function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 4, step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  return { top: Math.ceil(max / step) * step, step };
}

export interface Segment {
  outcome: Outcome;
  value: number;
  y: number;
  height: number;
}

export interface Bar {
  start: number;
  x: number;
  width: number;
  total: number;
  segments: Segment[];
}

export interface ChartLayout {
  bars: Bar[];
  ticks: { value: number; y: number }[];
  plot: { left: number; top: number; width: number; height: number };
  /** Every how many bars an x label fits. */
  labelEvery: number;
}

export interface LayoutOptions {
  width: number;
  height: number;
  /** Room for the y labels on the left and the x labels below. */
  left?: number;
  bottom?: number;
  top?: number;
  /** Space a label needs, in px. */
  labelWidth?: number;
}

export function layoutChart(buckets: ActivityBucket[], o: LayoutOptions): ChartLayout {
  const left = o.left ?? 32;
  const bottom = o.bottom ?? 22;
  const top = o.top ?? 8;
  const plot = { left, top, width: Math.max(10, o.width - left - 4), height: Math.max(10, o.height - top - bottom) };
  const totals = buckets.map((b) => b.synced + b.failed + b.skipped);
  const { top: max, step } = niceScale(Math.max(0, ...totals));
  const slot = plot.width / Math.max(1, buckets.length);
  const barWidth = Math.max(2, slot * 0.7);
  const scale = (v: number) => (v / max) * plot.height;
  const bars = buckets.map((b, i) => {
    let y = plot.top + plot.height;
    const segments: Segment[] = [];
    for (const outcome of OUTCOMES) {
      const value = b[outcome];
      if (!value) continue;
      const height = Math.max(1, scale(value));
      y -= height;
      segments.push({ outcome, value, y, height });
    }
    return { start: b.start, x: plot.left + i * slot + (slot - barWidth) / 2, width: barWidth, total: totals[i]!, segments };
  });
  const ticks = [];
  for (let v = 0; v <= max; v += step) ticks.push({ value: v, y: plot.top + plot.height - scale(v) });
  const fit = Math.max(1, Math.floor(plot.width / (o.labelWidth ?? 48)));
  return { bars, ticks, plot, labelEvery: Math.max(1, Math.ceil(buckets.length / fit)) };
}

export function sumBuckets(buckets: ActivityBucket[]): Record<Outcome, number> {
  const out = { synced: 0, failed: 0, skipped: 0 };
  for (const b of buckets) for (const k of OUTCOMES) out[k] += b[k];
  return out;
}
