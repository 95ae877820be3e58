// Seeded fault injection shared by both simulators: a reproducible share of calls answers
// 429/500/503, hangs past the caller's timeout, or drops the connection.
import { SimConnectionReset } from "./node-server";

/** "403" is amoCRM's account block (an HTML page), which follows repeated 429s. */
export type FaultKind = "403" | "429" | "500" | "502" | "503" | "timeout" | "reset";

export interface FaultPlan {
  /** Share of matching calls that fail, 0..1. */
  rate: number;
  kinds: FaultKind[];
  seed: number;
  /** How long a "timeout" fault holds the request before answering 504. */
  timeoutMs?: number;
  /** Only paths starting with one of these prefixes are affected (default: every API path). */
  paths?: string[];
  /** A burst: the next N matching calls fail with the first kind, regardless of rate. */
  burst?: number;
  /** Every matching call is held this long before it is answered (a slow network; nothing fails). */
  latencyMs?: number;
}

/** mulberry32: small, fast and good enough to make a fault sequence repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private plan: FaultPlan | null = null;
  private random: () => number = seededRandom(1);
  private burstLeft = 0;
  injected: Record<string, number> = {};

  configure(plan: FaultPlan | null): void {
    this.plan = plan;
    this.random = seededRandom(plan?.seed ?? 1);
    this.burstLeft = plan?.burst ?? 0;
    this.injected = {};
  }

  get current(): FaultPlan | null {
    return this.plan;
  }

  /** Holds a matching call for the plan's latency, if any. */
  async delay(path: string): Promise<void> {
    const plan = this.plan;
    if (!plan?.latencyMs || (plan.paths && !plan.paths.some((p) => path.startsWith(p)))) return;
    await new Promise((r) => setTimeout(r, plan.latencyMs));
  }

  /** Decides whether this call fails, and how. */
  pick(path: string): FaultKind | null {
    const plan = this.plan;
    if (!plan || plan.kinds.length === 0) return null;
    if (plan.paths && !plan.paths.some((p) => path.startsWith(p))) return null;
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return this.count(plan.kinds[0]!);
    }
    if (this.random() >= plan.rate) return null;
    const kind = plan.kinds[Math.floor(this.random() * plan.kinds.length)]!;
    return this.count(kind);
  }

  private count(kind: FaultKind): FaultKind {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    return kind;
  }

  /** Turns a picked fault into what the caller sees; `render` shapes the body for status faults. */
  async apply(kind: FaultKind, render: (status: number) => Response): Promise<Response> {
    if (kind === "reset") throw new SimConnectionReset();
    if (kind === "timeout") {
      await new Promise((r) => setTimeout(r, this.plan?.timeoutMs ?? 30_000));
      return new Response("gateway timeout", { status: 504 });
    }
    return render(Number(kind));
  }
}
