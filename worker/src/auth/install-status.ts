// The install state the widget and the admin page show, and the action text for an account whose
// amoCRM access was revoked.
import type { AccountRow } from "../db/accounts";
import type { InstallStatus } from "../api-types";
import { codedText, type TextRef } from "../lib/errors";

export const REINSTALL = codedText("install_reinstall_action");
export const REINSTALL_ACTION = REINSTALL.text;

export function installStatus(row: Pick<AccountRow, "status"> | null): InstallStatus {
  if (!row) return "not_installed";
  const s = row.status;
  return s === "pending" || s === "active" || s === "reauth_required" || s === "uninstalled" ? s : "pending";
}

/** `{ install_status }`, plus `action` (English, and its code for the clients' words) when only a reinstall can help. */
export function installStatusFields(row: Pick<AccountRow, "status"> | null): { install_status: InstallStatus; action?: string; actionText?: TextRef } {
  const status = installStatus(row);
  return status === "reauth_required" ? { install_status: status, action: REINSTALL.text, actionText: REINSTALL.ref } : { install_status: status };
}
