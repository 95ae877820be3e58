// GET /healthz: answers 200 when D1 answers a query, 503 otherwise.
import { Hono } from "hono";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../lib/hono-env";

export function healthRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/healthz", async (c) => {
    const started = Date.now();
    try {
      const rows = await c.var.db.all<{ n: number }>(sql`select count(*) as n from d1_migrations`);
      return c.json({ status: "ok", db: "ok", migrations: rows[0]?.n ?? 0, dbMs: Date.now() - started, requestId: c.var.requestId });
    } catch (err) {
      return c.json(
        { type: "/problems/unavailable", title: "Database unavailable", status: 503, detail: `D1 did not answer: ${(err as Error).message}. Apply migrations with \`npm run db:migrate:local\`.`, requestId: c.var.requestId },
        503,
        { "content-type": "application/problem+json" },
      );
    }
  });
  return r;
}
