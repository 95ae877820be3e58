// Durable Object per amoCRM account: holds the sealed OAuth tokens and the account's request budget.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class AmoAccountGate extends DurableObject<Env> {
  async ping(): Promise<string> {
    return "ok";
  }
}
