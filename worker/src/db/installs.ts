// Housekeeping of install rows: a pending install whose code expired long ago can never complete,
// and a failed one is kept only as long as someone might look into it. Cross-tenant by design (cron).
import { and, inArray, lt, eq, or } from "drizzle-orm";
import type { Db } from "./client";
import { installs, quotaHits } from "./schema";

/** amoCRM's code lives 20 minutes and the queue's retries end well within two hours. */
export const PENDING_INSTALL_TTL_MS = 2 * 3600 * 1000;
export const FAILED_INSTALL_TTL_MS = 7 * 24 * 3600 * 1000;
export const QUOTA_HIT_TTL_MS = 7 * 24 * 3600 * 1000;

/** Deletes stale install rows and old quota records; answers how many install rows went. */
export async function purgeStaleInstalls(db: Db, now: number): Promise<number> {
  const gone = await db
    .delete(installs)
    .where(
      or(
        and(eq(installs.status, "pending"), lt(installs.createdAt, now - PENDING_INSTALL_TTL_MS)),
        and(inArray(installs.status, ["failed"]), lt(installs.updatedAt, now - FAILED_INSTALL_TTL_MS)),
      ),
    )
    .returning({ id: installs.id });
  await db.delete(quotaHits).where(lt(quotaHits.lastAt, now - QUOTA_HIT_TTL_MS));
  return gone.length;
}
