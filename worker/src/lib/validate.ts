// Validates a request value with zod and turns the first issue into a 400 problem a user can act on.
import type { z } from "zod";
import { Problem } from "./problem";

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.join(".");
    throw new Problem("validation", `${path ? `${path}: ` : ""}${issue.message}`, { field: path || undefined });
  }
  return r.data;
}
