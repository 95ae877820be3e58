// Validates a request value with zod and turns the first issue into a 400 problem a user can act on.
import type { z } from "zod";
import { Problem, problemOf } from "./problem";
import { isErrorCode } from "./errors";

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.join(".");
    // A schema may name a catalogue code as its message, for a refusal the clients explain in words.
    if (isErrorCode(issue.message)) {
      const limit = "maximum" in issue ? issue.maximum : "minimum" in issue ? issue.minimum : undefined;
      throw problemOf(issue.message, { field: path, ...(limit !== undefined ? { limit: Number(limit) } : {}) }, { field: path || undefined });
    }
    throw new Problem("request_invalid", { field: path || "body", issue: issue.message }, { field: path || undefined });
  }
  return r.data;
}
