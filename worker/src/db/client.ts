// Builds the Drizzle client over D1 (once per request, in middleware).
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export function makeDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof makeDb>;
