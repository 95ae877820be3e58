// Switching the widget off and on in amoCRM (its onSave with evt.active 'N' | 'Y'): off pauses the
// account's processing and keeps every incoming event as `paused`; on resumes them in order.
import type { Env } from "../../env";
import type { Tenant } from "../../db/tenant";
import { getAccount, setAccountPaused } from "../../db/accounts";
import { writeAudit } from "../../db/audit";
import { resumeHeld } from "./hold";
import { resumeImports } from "../../imports/jobs";
import { auditText } from "../../lib/audit-texts";

export async function switchWidget(env: Env, t: Tenant, active: boolean, userId: number): Promise<void> {
  const before = await getAccount(t);
  if (!before) return;
  const wasPaused = before.pausedAt !== null;
  await setAccountPaused(t, !active);
  if (!active) {
    if (!wasPaused) {
      await writeAudit(t, {
        level: "warn",
        source: "widget",
        action: "widget.switched_off",
        actor: `amo-user:${userId}`,
        ...auditText("widget_switched_off"),
      });
    }
    return;
  }
  if (wasPaused) {
    await writeAudit(t, { source: "widget", action: "widget.switched_on", actor: `amo-user:${userId}`, ...auditText("widget_switched_on") });
  }
  await resumeHeld(env, t, "the widget was switched on");
  if (wasPaused) await resumeImports(env, t);
}
