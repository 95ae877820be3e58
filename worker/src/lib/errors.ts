// The catalogue of every error the API returns: a stable machine code → its problem kind (type,
// title, status) and an English `detail` template for logs and API consumers. The widget and the
// admin page translate the codes with their own i18n; `shownIn` says which of them has to.
import type { z } from "zod";
import type { ProblemKind } from "./problem";
import type { textRefSchema } from "../contracts/widget";

/** Who shows the error to a person: `machine` errors only reach amoCRM, LPTracker or an operator. */
export type Audience = "widget" | "admin" | "both" | "machine";

export interface ErrorSpec {
  kind: ProblemKind;
  /** English; `{name}` marks a parameter. */
  detail: string;
  shownIn: Audience;
}

export const ERRORS = {
  // Every route
  body_too_large: { kind: "payload-too-large", detail: "The request body is larger than {limit}. Send a smaller body.", shownIn: "both" },
  upload_too_large: { kind: "payload-too-large", detail: "The request body is larger than {limit}. Send a smaller body or split the file.", shownIn: "admin" },
  json_too_deep: { kind: "bad-request", detail: "The JSON body nests objects or arrays deeper than {limitDepth} levels.", shownIn: "both" },
  request_invalid: { kind: "validation", detail: "{field}: {issue}", shownIn: "both" },
  route_not_found: { kind: "not-found", detail: "No route for {method} {path}.", shownIn: "both" },
  internal_error: { kind: "internal", detail: "Something went wrong on our side. Try again; if it keeps failing, contact support with the request id.", shownIn: "both" },
  form_too_many_fields: { kind: "payload-too-large", detail: "The form has more than {limitKeys} fields. Send fewer at once.", shownIn: "machine" },
  form_too_deep: { kind: "bad-request", detail: 'The form field "{key}" is nested {depth} levels deep; at most {limitDepth} are accepted.', shownIn: "machine" },

  // Server configuration
  config_missing: { kind: "missing-config", detail: "The server is missing configuration: {names}. Set secrets with `wrangler secret put NAME` (locally in .dev.vars) and vars in wrangler.toml.", shownIn: "machine" },
  config_invalid: { kind: "invalid-config", detail: "The server configuration is invalid: {problems}. Secrets: `wrangler secret put NAME` (locally .dev.vars); vars: wrangler.toml.", shownIn: "machine" },
  redirect_uri_invalid: { kind: "missing-config", detail: "AMOCRM_REDIRECT_URI is not an absolute URL, so widget tokens cannot be checked.", shownIn: "machine" },
  encryption_key_not_base64: { kind: "missing-config", detail: 'ENCRYPTION_KEY entry "{id}" is not base64; generate one with: openssl rand -base64 32', shownIn: "machine" },
  encryption_key_wrong_length: { kind: "missing-config", detail: 'ENCRYPTION_KEY entry "{id}" must be 32 bytes of base64 (got {length}); generate one with: openssl rand -base64 32', shownIn: "machine" },
  encryption_key_empty: { kind: "missing-config", detail: "ENCRYPTION_KEY holds no key", shownIn: "machine" },
  admin_assets_unbound: { kind: "missing-config", detail: "The admin page's static assets are not bound (ASSETS).", shownIn: "machine" },
  admin_asset_not_found: { kind: "not-found", detail: "No file {path}.", shownIn: "machine" },
  admin_page_not_built: { kind: "not-found", detail: "The admin page is not built yet: run `npm run admin:build` (vite build --config admin/vite.config.ts).", shownIn: "machine" },

  // The widget's amoCRM token
  widget_token_missing: { kind: "unauthorized", detail: "The amoCRM token (X-Auth-Token header) is missing: reopen the widget from inside amoCRM.", shownIn: "widget" },
  widget_token_malformed: { kind: "unauthorized", detail: "The amoCRM token is damaged or in an unknown format: reload the amoCRM page.", shownIn: "widget" },
  widget_token_signature: { kind: "unauthorized", detail: "The amoCRM token is not signed for this integration: reload the amoCRM page; if it persists, reinstall the integration.", shownIn: "widget" },
  widget_token_expired: { kind: "unauthorized", detail: "The amoCRM token has expired: reload the amoCRM page.", shownIn: "widget" },
  widget_token_not_yet_valid: { kind: "unauthorized", detail: "The amoCRM token is not valid yet: check the computer's clock and reload the page.", shownIn: "widget" },
  widget_token_audience: { kind: "unauthorized", detail: "The amoCRM token was issued for another server: check the integration's redirect address.", shownIn: "widget" },
  widget_token_client: { kind: "unauthorized", detail: "The amoCRM token was issued for another integration: reinstall the widget from the amoCRM marketplace.", shownIn: "widget" },
  widget_token_claims: { kind: "unauthorized", detail: "The amoCRM token names no account or user: reload the amoCRM page.", shownIn: "widget" },
  widget_token_issuer: { kind: "unauthorized", detail: "The token comes from a different address than this amoCRM account's: if the account's address changed, reinstall the integration.", shownIn: "widget" },
  amo_admin_required: { kind: "forbidden", detail: "amoCRM admin rights required: ask an account administrator.", shownIn: "widget" },
  admin_link_uninstalled: { kind: "forbidden", detail: "The integration was removed from this amoCRM account. Install it again from the amoCRM marketplace.", shownIn: "widget" },

  // The admin page's session
  admin_no_session: { kind: "unauthorized", detail: "Not signed in: open the admin page from amoCRM (the widget's settings).", shownIn: "admin" },
  admin_session_invalid: { kind: "unauthorized", detail: "The session has expired or is invalid: open the admin page again from amoCRM.", shownIn: "admin" },
  admin_session_revoked: { kind: "unauthorized", detail: "This session has ended (signed out, or replaced by another sign-in). Open the admin page again from amoCRM.", shownIn: "admin" },
  admin_not_admin: { kind: "unauthorized", detail: "Signed out: this user no longer has admin rights in amoCRM. Ask an account admin to open the page.", shownIn: "admin" },
  admin_uninstalled: { kind: "unauthorized", detail: "The integration was removed from this amoCRM account. Install it again from the amoCRM marketplace.", shownIn: "admin" },
  admin_rights_unconfirmed: { kind: "upstream", detail: "Cannot confirm with amoCRM that you are an admin: amoCRM is not answering. Try later, or open the page again from amoCRM.", shownIn: "admin" },
  admin_cross_origin: { kind: "forbidden", detail: "Changes are accepted only from the admin page ({origin}); this cross-origin request was refused.", shownIn: "admin" },

  // amoCRM's disconnect hook
  disconnect_body_invalid: { kind: "bad-request", detail: "The disconnect hook body is not valid JSON.", shownIn: "machine" },
  disconnect_fields_missing: { kind: "bad-request", detail: "The disconnect hook needs `account_id`, `client_uuid` and `signature`.", shownIn: "machine" },
  disconnect_account_invalid: { kind: "bad-request", detail: "`account_id` must be a positive integer.", shownIn: "machine" },
  disconnect_client_mismatch: { kind: "unauthorized", detail: "`client_uuid` is not this integration's id.", shownIn: "machine" },
  disconnect_signature_mismatch: { kind: "unauthorized", detail: "The disconnect hook signature does not match.", shownIn: "machine" },
  disconnect_access_still_valid: { kind: "conflict", detail: "amoCRM still accepts this integration's access for the account, so the uninstall was not applied (a replayed hook changes nothing).", shownIn: "machine" },

  // The marketplace install callback
  install_rate_limited: { kind: "rate-limited", detail: "Too many install attempts from your address. Wait {retryAfterSeconds} seconds and install again from amoCRM.", shownIn: "machine" },
  install_param_too_long: { kind: "bad-request", detail: "`{field}` is longer than {limit} characters; this is not an install callback from amoCRM.", shownIn: "machine" },
  install_params_missing: { kind: "bad-request", detail: "The install callback needs `code` and `referer` from amoCRM.", shownIn: "machine" },
  install_referer_invalid: { kind: "bad-request", detail: '`referer` "{referer}" is not an amoCRM account domain.', shownIn: "machine" },
  install_state_invalid: { kind: "bad-request", detail: "The install `state` is invalid or expired. Start the install again from the button.", shownIn: "machine" },
  install_flow_unknown: { kind: "bad-request", detail: "An install callback needs either our `state` (button install) or `from_widget` (marketplace install).", shownIn: "machine" },

  // Webhooks
  hook_rate_limited: { kind: "rate-limited", detail: "Too many webhooks for this URL. Wait {retryAfterSeconds} seconds and send again; nothing of this request was kept.", shownIn: "machine" },
  hook_lpt_malformed: { kind: "bad-request", detail: "Malformed LPTracker event: {problem}.", shownIn: "machine" },
  hook_amo_other_account: { kind: "bad-request", detail: "The webhook is for another amoCRM account.", shownIn: "machine" },
  hook_amo_too_many_leads: { kind: "payload-too-large", detail: "The webhook names {count} leads; at most {limitLeads} are accepted in one request.", shownIn: "machine" },
  dp_hook_malformed: { kind: "bad-request", detail: "Malformed Digital Pipeline hook: {problem}.", shownIn: "machine" },
  dp_hook_not_installed: { kind: "not-found", detail: "No installed integration for this account.", shownIn: "machine" },
  dp_hook_refused: { kind: "validation", detail: "Digital Pipeline hook refused: {problem}.", shownIn: "machine" },
  dp_hook_key_mismatch: { kind: "forbidden", detail: "The Digital Pipeline action's key does not match this account: open the action in amoCRM and save it again.", shownIn: "machine" },

  // LPTracker connection (widget settings)
  connection_body_missing: { kind: "bad-request", detail: "Send the connection as JSON with login, password, projects and consent.", shownIn: "widget" },
  consent_required: { kind: "validation", detail: "Confirm your consent to send data to our server.", shownIn: "widget" },
  lpt_login_required: { kind: "validation", detail: "Enter the LPTracker login (e-mail).", shownIn: "widget" },
  lpt_password_required: { kind: "validation", detail: "Enter the LPTracker password.", shownIn: "widget" },
  lpt_login_failed: { kind: "validation", detail: "LPTracker refused the login or password ({reason}).", shownIn: "widget" },
  lpt_unreachable: { kind: "upstream", detail: "LPTracker is unreachable right now: {reason}", shownIn: "widget" },
  lpt_projects_not_found: { kind: "validation", detail: "Projects not found in LPTracker: {projects}.", shownIn: "widget" },
  lpt_project_not_connected: { kind: "not-found", detail: "LPTracker project {projectId} is not connected to this account.", shownIn: "widget" },

  // The card panel
  card_lead_not_found: { kind: "not-found", detail: "Lead {id} was not found in amoCRM.", shownIn: "widget" },
  card_contact_not_found: { kind: "not-found", detail: "Contact {id} was not found in amoCRM.", shownIn: "widget" },
  card_lead_hidden: { kind: "forbidden", detail: "You have no access to this lead in amoCRM, so its LPTracker data is hidden.", shownIn: "widget" },
  card_contact_hidden: { kind: "forbidden", detail: "You have no access to this contact in amoCRM, so its LPTracker data is hidden.", shownIn: "widget" },
  card_rights_unavailable: { kind: "forbidden", detail: "Your amoCRM rights could not be checked, so LPTracker data is hidden. Try again later or ask an account administrator.", shownIn: "widget" },
  card_not_linked: { kind: "not-found", detail: "No LPTracker lead is linked to this card.", shownIn: "widget" },
  card_lead_already_linked: { kind: "conflict", detail: "This LPTracker lead is already linked to amoCRM lead {amoId}.", shownIn: "widget" },
  lpt_lead_not_in_project: { kind: "not-found", detail: "LPTracker lead {lptLeadId} is not in a project connected to this account.", shownIn: "widget" },

  // The list action
  list_empty: { kind: "validation", detail: "Select at least one entity.", shownIn: "widget" },
  list_too_many: { kind: "validation", detail: "At most {limit} entities at once.", shownIn: "widget" },
  list_project_not_connected: { kind: "validation", detail: "LPTracker project {projectId} is not connected.", shownIn: "widget" },
  list_only_leads: { kind: "validation", detail: "Only leads can be selected in the leads list.", shownIn: "widget" },
  list_job_not_found: { kind: "not-found", detail: "List job {id} not found.", shownIn: "widget" },
  unsorted_pipeline_unknown: { kind: "validation", detail: "amoCRM has no pipeline {pipelineId}. Refresh amoCRM fields and choose a pipeline from the list.", shownIn: "widget" },

  // Admin page: dashboard, events, rules
  amo_reauth_required: { kind: "reauth-required", detail: "amoCRM revoked the integration's access: an administrator needs to reinstall it from the amoCRM marketplace (Settings → Integrations).", shownIn: "admin" },
  amo_unreachable: { kind: "upstream", detail: "amoCRM did not answer, try again in a minute: {reason}", shownIn: "admin" },
  event_not_found: { kind: "not-found", detail: "Event {id} does not exist in this account.", shownIn: "admin" },
  event_replay_rejected: { kind: "conflict", detail: "A malformed event cannot be replayed: its body was never valid. Fix the sender and send it again.", shownIn: "admin" },
  event_replay_busy: { kind: "conflict", detail: "The event is already waiting or running.", shownIn: "admin" },
  rule_invalid_condition: { kind: "validation", detail: "{field}: {issue} ({count} of the conditions do not fit).", shownIn: "admin" },
  rule_not_found: { kind: "not-found", detail: "Rule {id} does not exist in this account.", shownIn: "admin" },
  rule_changed_meanwhile: { kind: "conflict", detail: "Rule {id} was changed by someone else just now; reload it and try again.", shownIn: "admin" },
  rule_version_conflict: { kind: "conflict", detail: "Rule {id} was changed to version {current} after you opened version {opened}; reload it and apply your change again.", shownIn: "admin" },
  rule_no_history: { kind: "not-found", detail: "Rule {id} has no history in this account.", shownIn: "admin" },
  rule_version_not_found: { kind: "not-found", detail: "Rule {id} has no version {version}.", shownIn: "admin" },
  rule_version_invalid: { kind: "validation", detail: "Version {version} cannot be restored as it was: {field}: {issue}. Open the rule and fix that condition instead.", shownIn: "admin" },
  rule_test_event_unreadable: { kind: "validation", detail: "Event {id} has no readable payload (it was rejected as malformed).", shownIn: "admin" },
  rule_test_wrong_trigger: { kind: "validation", detail: "A {source} event cannot be judged as «{trigger}»; pick an event of that kind.", shownIn: "admin" },
  rule_test_payload_invalid: { kind: "validation", detail: "The payload does not look like a {source} event: {reason}", shownIn: "admin" },

  // Admin page: spreadsheet uploads
  import_not_found: { kind: "not-found", detail: "Import {id} does not exist in this account.", shownIn: "admin" },
  import_stored_file_missing: { kind: "not-found", detail: "The uploaded file is missing from storage; upload it again.", shownIn: "admin" },
  import_not_multipart: { kind: "unsupported-media-type", detail: "Send the file as multipart/form-data in the field «file».", shownIn: "admin" },
  import_form_unreadable: { kind: "bad-request", detail: "The upload form could not be read; upload the file again.", shownIn: "admin" },
  import_file_required: { kind: "validation", detail: "Choose an XLSX, XLS or CSV file.", shownIn: "admin" },
  import_file_too_large: { kind: "payload-too-large", detail: "The file is larger than {limitMb} MB; split it into parts.", shownIn: "admin" },
  import_already_started: { kind: "conflict", detail: "Import {id} has already been started (status {status}).", shownIn: "admin" },
  import_start_conflict: { kind: "conflict", detail: "Import {id} has already been started.", shownIn: "admin" },
  import_already_ended: { kind: "conflict", detail: "Import {id} has already ended (status {status}).", shownIn: "admin" },
  import_column_missing: { kind: "validation", detail: "{field}: the file has no column #{column}", shownIn: "admin" },
  import_phone_column_required: { kind: "validation", detail: "Choose the phone column.", shownIn: "admin" },
  import_contact_column_required: { kind: "validation", detail: "Choose the phone or e-mail column.", shownIn: "admin" },
  import_project_not_connected: { kind: "validation", detail: "projectId: LPTracker project {projectId} is not connected", shownIn: "admin" },
  import_no_report: { kind: "not-found", detail: "Import {id} has no error report: every row went through, or the import is still running.", shownIn: "admin" },

  // Admin page: a spreadsheet the reader refused (imports/errors.ts; `reason` names the reader's kind)
  import_file_unsupported_type: { kind: "unsupported-media-type", detail: 'The ".{ext}" format is not supported: upload XLSX, XLS or CSV.', shownIn: "admin" },
  import_file_no_extension: { kind: "unsupported-media-type", detail: "A file without an extension is not supported: upload XLSX, XLS or CSV.", shownIn: "admin" },
  import_file_wrong_type: { kind: "unsupported-media-type", detail: "The file does not look like {expected}: it is {found}. Open it in Excel and save it as XLSX.", shownIn: "admin" },
  import_file_password_protected: { kind: "bad-request", detail: "The file is password-protected. Remove the password in Excel (File → Info → Protect Workbook) and upload it again.", shownIn: "admin" },
  import_file_office_unreadable: { kind: "bad-request", detail: "The file is damaged: its Office container cannot be read. Save it again from Excel.", shownIn: "admin" },
  import_file_unreadable: { kind: "bad-request", detail: "The file is damaged or unreadable. Open it in Excel and save it again.", shownIn: "admin" },
  import_file_part_damaged: { kind: "bad-request", detail: 'The file is damaged: the part "{part}" cannot be unpacked. Save it again from Excel.', shownIn: "admin" },
  import_zip_damaged: { kind: "bad-request", detail: "The file is damaged: {issue}. Save it again from Excel.", shownIn: "admin" },
  import_zip_entry_truncated: { kind: "bad-request", detail: 'The file is damaged: the entry "{part}" is truncated. Save it again from Excel.', shownIn: "admin" },
  import_zip_too_many_entries: { kind: "payload-too-large", detail: "The file was refused: the archive holds {count} entries, the limit is {limit}. Such archives are not unpacked.", shownIn: "admin" },
  import_zip_too_large: { kind: "payload-too-large", detail: "The file was refused: it would unpack to {sizeMb} MB, the limit is {limitMb} MB. Such archives are not unpacked.", shownIn: "admin" },
  import_zip_ratio: { kind: "payload-too-large", detail: 'The file was refused: "{part}" is compressed {ratio}:1 ({sizeMb} MB unpacked). Such archives are not unpacked.', shownIn: "admin" },
  import_file_part_bomb: { kind: "payload-too-large", detail: 'The file was refused: the part "{part}" unpacks far past its declared size ({size} bytes). Such archives are not unpacked.', shownIn: "admin" },
  import_file_too_many_rows: { kind: "payload-too-large", detail: "The file has too many rows: {count}, the limit is {limit}. Split it into parts.", shownIn: "admin" },
  import_file_too_many_rows_over: { kind: "payload-too-large", detail: "The file has too many rows: more than {limit}, the limit is {limit}. Split it into parts.", shownIn: "admin" },
  import_file_xls_too_large: { kind: "payload-too-large", detail: "The old-format XLS file is larger than {limitMb} MB: such a file can only be read whole into memory. Save it from Excel as XLSX (File → Save As → Excel Workbook) and upload it again.", shownIn: "admin" },
  import_file_unpacks_too_large: { kind: "payload-too-large", detail: "The file unpacks to more than {limitMb} MB and its structure could not be read part by part. Save it again from Excel as XLSX.", shownIn: "admin" },
  import_file_too_much_text: { kind: "payload-too-large", detail: "The sheet holds too much text (more than {limit} characters). Split it into parts.", shownIn: "admin" },
  import_file_empty: { kind: "validation", detail: "The file is empty.", shownIn: "admin" },
  import_sheet_empty: { kind: "validation", detail: 'The sheet "{sheet}" is empty.', shownIn: "admin" },
  import_file_header_only: { kind: "validation", detail: "The file has only a header row and no data rows.", shownIn: "admin" },
  import_sheet_missing: { kind: "validation", detail: 'The file has no sheet "{sheet}"; it has {sheets}.', shownIn: "admin" },
  import_header_row_invalid: { kind: "validation", detail: "Row {row} cannot be the header row: it is empty or below the first {scan} rows with values. Choose another row.", shownIn: "admin" },
  import_header_row_missing: { kind: "validation", detail: 'No header row: row {row} ("{sample}") looks like data. Add a row with column names, e.g. "Phone", "Name", or choose another row.', shownIn: "admin" },

  // Sandbox-only routes (sandbox.ts and its dev routers): for the developer at the terminal
  dev_unavailable: { kind: "not-found", detail: "{why}", shownIn: "machine" },
  dev_account_required: { kind: "validation", detail: "{field} is required", shownIn: "machine" },
  dev_simulator_failed: { kind: "upstream", detail: "{why}", shownIn: "machine" },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Parameters whose value is a word from a fixed set: the English text here, the clients' own under
 * `param.<name>.<value>` in their i18n.
 */
export const PARAM_WORDS = {
  found: {
    xlsx: "an Excel workbook (XLSX)",
    "zip-other": "a ZIP archive but not an Excel workbook",
    xls: "an old Excel 97–2003 workbook (XLS)",
    "ole-encrypted": "an encrypted document",
    "ole-other": "an Office document but not an Excel workbook",
    text: "a text file",
    binary: "a binary file of unknown format",
  },
  issue: {
    directory_missing: "the ZIP directory is missing",
    directory_truncated: "the ZIP directory is truncated",
    zip64_missing: "the ZIP64 directory is missing",
    zip64_truncated: "the ZIP64 directory is truncated",
    too_short: "the archive is too short",
    record_damaged: "a ZIP directory record is damaged",
    record_truncated: "a ZIP directory record is truncated",
  },
} as const;

/** The `{name}`s of a template, as a union of names. */
type Names<S extends string> = S extends `${string}{${infer N}}${infer Rest}` ? N | Names<Rest> : never;

export type ParamValue = string | number;
export type ErrorParams<C extends ErrorCode> = [Names<(typeof ERRORS)[C]["detail"]>] extends [never]
  ? Record<string, never>
  : Record<Names<(typeof ERRORS)[C]["detail"]>, ParamValue>;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/** The English detail of a code with its parameters filled in; an unknown `{name}` stays as it is. */
export function renderDetail(code: ErrorCode, params: Record<string, ParamValue>): string {
  const words: Record<string, Record<string, string>> = PARAM_WORDS;
  return ERRORS[code].detail.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in params)) return whole;
    const value = String(params[name]);
    return words[name]?.[value] ?? value;
  });
}

/**
 * Texts the Worker stores or answers that are not API problems (event reasons, the install action,
 * the connection warning): a code → an English template. What is stored keeps the English text (for
 * logs and old clients) and the code with its params beside it; the clients word the code with their
 * own i18n under `text.<code>` and fall back to the stored text.
 */
export const TEXTS = {
  // Why an event waits (events.error)
  event_widget_off: "The widget is switched off in amoCRM: the event waits until it is switched on.",
  event_uninstalled: "The integration is disabled in amoCRM: the event waits for it to be installed again.",
  event_install_pending: "Waiting for amoCRM to grant access (the install is not finished).",
  event_reinstall_wait: "Waiting for the integration to be reinstalled in amoCRM.",
  event_queued_behind: "Waits for earlier events to be processed first.",
  event_amo_no_access: "No access to amoCRM ({reason}): the event waits until the integration is reinstalled.",
  amo_access_revoked: "amoCRM revoked the integration's access: reinstall it from the amoCRM marketplace.",
  // The widget's install state and LPTracker connection
  install_reinstall_action: "amoCRM revoked the integration's access: an administrator needs to reinstall it from the amoCRM marketplace (Settings → Integrations).",
  lpt_projects_unavailable: "Could not load LPTracker projects: {reason}",
  // Why an import row was refused or skipped (import_rows.error; the upload page and the error report)
  import_row_no_data: "Row {row}: no data",
  import_row_skipped_by_rule: "Row {row}: skipped by the rule «{rule}»",
  import_row_duplicate_phone: "Row {row}: duplicate of row {of} (same phone), skipped",
  import_row_duplicate_email: "Row {row}: duplicate of row {of} (same e-mail), skipped",
  import_row_duplicate_call: "Row {row}: duplicate of row {of} (same call), skipped",
  import_row_refused_by_amo: "Row {row}: amoCRM refused the row ({detail})",
  import_call_already_imported: "Row {row}: this call was already imported by import #{importId}",
  import_call_not_logged: "Row {row}: amoCRM did not log the call to {phone} ({detail})",
  import_call_not_logged_no_contact: "Row {row}: amoCRM did not log the call to {phone} ({detail}); import that contact first",
  // A row whose cells do not read: `items` holds one issue per cell (the codes below), all shown
  import_row_invalid: "Row {row}: {items}",
  import_cell_phone_invalid: 'phone "{value}" in column "{column}" is not a number',
  import_cell_phone_scientific: 'phone "{value}" in column "{column}" is in scientific notation: Excel saved only its first digits into the CSV. Format the column as text and save the file again',
  import_cell_email_invalid: 'e-mail "{value}" in column "{column}" is not an e-mail address',
  import_cell_duration_invalid: 'duration "{value}" in column "{column}" is not a duration (e.g. 125, 02:05 or 2m 5s)',
  import_cell_date_invalid: 'date "{value}" in column "{column}" is not a date (e.g. 15.03.2024 14:30)',
  import_cell_recording_invalid: 'recording link "{value}" in column "{column}" is not an http(s) link',
  import_cell_excel_error: 'column "{column}": the cell holds the Excel error {value}',
  import_cell_formula_no_result: 'column "{column}": the formula {value} was saved without its result (open the file in Excel and save it again)',
  import_row_no_contact: "neither a phone nor an e-mail",
  import_row_no_phone: "no phone number",
  // Why an import stopped (imports.error)
  import_file_gone: "The uploaded file is missing from storage; upload it again.",
  import_amo_access_lost: "The import stopped: no access to amoCRM ({reason}). Reinstall the integration and run the import again.",
  import_gave_up: "The import stopped after {attempts} failed attempts; rows already written stay in amoCRM. Run the import again or contact support.",
  import_not_queued: "The import could not be queued; start it again.",
} as const;

export type TextCode = keyof typeof TEXTS;
/** A stored text's code and params, as the API answers it beside the English text (its schema: contracts/widget.ts). */
export type TextRef = z.output<typeof textRefSchema>;
/** The English text of a code with its params, and the code itself. */
export interface CodedText {
  text: string;
  ref: TextRef;
}

/** Joins the worded parts of a text that lists them; the clients join theirs the same way. */
export const ITEMS_SEPARATOR = "; ";

/** `template` with each `{name}` in `params` filled in; an unknown `{name}` stays as it is. */
export function fillTemplate(template: string, params: Record<string, ParamValue>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function codedText(code: TextCode, params: Record<string, ParamValue> = {}, items?: CodedText[]): CodedText {
  const filled: Record<string, ParamValue> = items ? { ...params, items: items.map((i) => i.text).join(ITEMS_SEPARATOR) } : params;
  const text = fillTemplate(TEXTS[code], filled);
  // A part is worded on its own: what a part lists itself is not kept.
  return { text, ref: items ? { code, params, items: items.map((i) => ({ code: i.ref.code, params: i.ref.params })) } : { code, params } };
}
