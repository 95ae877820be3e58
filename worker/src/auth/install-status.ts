// The install state the widget and the admin page show, and the action text for an account whose
// amoCRM access was revoked.
import type { AccountRow } from "../db/accounts";
import type { InstallStatus } from "../api-types";

export const REINSTALL_ACTION =
  "amoCRM отозвал доступ интеграции: администратору нужно переустановить её из маркетплейса amoCRM (Настройки → Интеграции). / amoCRM revoked the integration's access: an administrator needs to reinstall it from the amoCRM marketplace (Settings → Integrations).";

export function installStatus(row: Pick<AccountRow, "status"> | null): InstallStatus {
  if (!row) return "not_installed";
  const s = row.status;
  return s === "pending" || s === "active" || s === "reauth_required" || s === "uninstalled" ? s : "pending";
}

/** `{ install_status }`, plus `action` when only a reinstall can help. */
export function installStatusFields(row: Pick<AccountRow, "status"> | null): { install_status: InstallStatus; action?: string } {
  const status = installStatus(row);
  return status === "reauth_required" ? { install_status: status, action: REINSTALL_ACTION } : { install_status: status };
}
