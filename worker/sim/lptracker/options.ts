// Defaults of the simulator and how a user's overrides combine with the sim-wide options.
import type { LpTrackerBehaviour, LpTrackerSimOptions } from "./types";

export const DEFAULT_BEHAVIOUR: LpTrackerBehaviour = {
  rateLimitPerSecond: 3,
  webhookMode: "outbox",
  webhookEncoding: "form",
  stageShape: "mixed",
  rateLimitStatus: "http503",
  tokenIdleTtlSec: 86_400,
  commentDelayMs: 0,
  bareListArrays: false,
  callbackUrlPut: "add",
  listOmitsCustom: true,
};

export interface ResolvedOptions {
  behaviour: LpTrackerBehaviour;
  now: () => number;
  utcOffsetMinutes: number;
}

export function resolveOptions(options: LpTrackerSimOptions = {}): ResolvedOptions {
  const { now, utcOffsetMinutes, ...rest } = options;
  return {
    behaviour: { ...DEFAULT_BEHAVIOUR, ...stripUndefined(rest) },
    now: now ?? (() => Date.now()),
    utcOffsetMinutes: utcOffsetMinutes ?? 180,
  };
}

const KEYS = Object.keys(DEFAULT_BEHAVIOUR) as (keyof LpTrackerBehaviour)[];

/** Keeps only known behaviour keys, so a control body cannot smuggle anything else in. */
export function pickBehaviour(input: unknown): Partial<LpTrackerBehaviour> {
  if (!input || typeof input !== "object") return {};
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = (input as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Partial<LpTrackerBehaviour>;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
