// GET /healthz/keys: how far the re-sealing under the newest ENCRYPTION_KEY has come, so an operator
// knows when an older key can be removed. Key ids and counts only; never key material.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { keyRotationStatus } from "../queue/rekey";

export function keyStatusRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/healthz/keys", async (c) => {
    c.header("cache-control", "no-store");
    return c.json(await keyRotationStatus(c.env));
  });
  return r;
}
