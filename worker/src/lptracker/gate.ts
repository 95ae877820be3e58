// Durable Object per LPTracker connection: holds the LPTracker token and the connection's budget.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class LptConnectionGate extends DurableObject<Env> {
  async ping(): Promise<string> {
    return "ok";
  }
}
