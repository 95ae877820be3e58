// Entry point of the local LPTracker simulator: one in-memory, multi-tenant stand-in for
// direct.lptracker.ru (public API at the root, control API under /__sim/), usable via handle() or serve().
import { createApi } from "./api";
import { SimActions } from "./control-actions";
import { createControl } from "./control-routes";
import { resolveOptions } from "./options";
import { Store } from "./store";
import type { LpTrackerSimOptions } from "./types";

export type * from "./types";
export { DEFAULT_BEHAVIOUR } from "./options";
export { ControlError } from "./control-actions";

/** handle() plus the control calls as typed methods, for tests that hold the sim in-process. */
export interface LpTrackerSim extends SimActions {
  /** Fetch-style handler; bound, so `serve(sim.handle)` works. Throws SimConnectionReset for a "reset" fault. */
  handle(request: Request): Promise<Response>;
}

class LpTrackerSimulator extends SimActions implements LpTrackerSim {
  private readonly api: (request: Request) => Promise<Response>;
  private readonly control: (request: Request) => Promise<Response>;

  constructor(options?: LpTrackerSimOptions) {
    super(new Store(resolveOptions(options)));
    this.api = createApi(this.store);
    this.control = createControl(this);
  }

  handle = (request: Request): Promise<Response> =>
    new URL(request.url).pathname.startsWith("/__sim/") ? this.control(request) : this.api(request);
}

export function createLpTrackerSim(options?: LpTrackerSimOptions): LpTrackerSim {
  return new LpTrackerSimulator(options);
}
