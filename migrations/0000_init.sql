CREATE TABLE `accounts` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`subdomain` text NOT NULL,
	`domain` text NOT NULL,
	`api_domain` text,
	`name` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`status_reason` text,
	`amo_hook_key` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`installed_at` integer,
	`uninstalled_at` integer,
	`purge_after` integer,
	`token_refreshed_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_amo_hook_key` ON `accounts` (`amo_hook_key`);--> statement-breakpoint
CREATE TABLE `admin_links` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `admin_links_account` ON `admin_links` (`account_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`level` text DEFAULT 'info' NOT NULL,
	`source` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text,
	`entity_id` text,
	`event_id` integer,
	`actor` text,
	`message` text NOT NULL,
	`data` text,
	`request_id` text
);
--> statement-breakpoint
CREATE INDEX `audit_account_at` ON `audit_log` (`account_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_account_event` ON `audit_log` (`account_id`,`event_id`);--> statement-breakpoint
CREATE TABLE `call_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`source` text NOT NULL,
	`call_id` text NOT NULL,
	`lpt_lead_id` text,
	`amo_lead_id` text,
	`amo_contact_id` text,
	`phone` text,
	`direction` text,
	`started_at` integer,
	`duration` integer DEFAULT 0 NOT NULL,
	`result` text,
	`recording_url` text,
	`operator` text,
	`comment` text,
	`import_id` integer,
	`sync_status` text DEFAULT 'pending' NOT NULL,
	`amo_call_id` text,
	`error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_results_account_call` ON `call_results` (`account_id`,`source`,`call_id`);--> statement-breakpoint
CREATE INDEX `call_results_account_started` ON `call_results` (`account_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `call_results_account_lead` ON `call_results` (`account_id`,`lpt_lead_id`);--> statement-breakpoint
CREATE TABLE `cursors` (
	`account_id` integer NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`source` text NOT NULL,
	`action` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`project_id` integer,
	`external_id` text,
	`payload` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text,
	`received_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`processed_at` integer,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_account_dedupe` ON `events` (`account_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `events_account_status` ON `events` (`account_id`,`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `events_account_received` ON `events` (`account_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `field_mappings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`project_id` integer NOT NULL,
	`rows` text DEFAULT '[]' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_by` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `field_mappings_account_project` ON `field_mappings` (`account_id`,`project_id`);--> statement-breakpoint
CREATE TABLE `import_rows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`import_id` integer NOT NULL,
	`chunk` integer NOT NULL,
	`row_number` integer NOT NULL,
	`data` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `import_rows_import_chunk` ON `import_rows` (`account_id`,`import_id`,`chunk`);--> statement-breakpoint
CREATE INDEX `import_rows_import_status` ON `import_rows` (`account_id`,`import_id`,`status`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`kind` text,
	`status` text DEFAULT 'uploaded' NOT NULL,
	`file_key` text NOT NULL,
	`file_name` text NOT NULL,
	`file_size` integer NOT NULL,
	`headers` text DEFAULT '[]' NOT NULL,
	`mapping` text,
	`total` integer DEFAULT 0 NOT NULL,
	`done` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`chunks` integer DEFAULT 0 NOT NULL,
	`chunks_done` integer DEFAULT 0 NOT NULL,
	`error` text,
	`report_key` text,
	`created_by` integer,
	`started_at` integer,
	`finished_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `imports_account_created` ON `imports` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `installs` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` integer,
	`referer` text NOT NULL,
	`flow` text NOT NULL,
	`sealed_code` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `installs_status` ON `installs` (`status`);--> statement-breakpoint
CREATE TABLE `links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`lpt_id` text NOT NULL,
	`amo_id` text NOT NULL,
	`project_id` integer,
	`meta` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `links_account_kind_lpt` ON `links` (`account_id`,`kind`,`lpt_id`);--> statement-breakpoint
CREATE INDEX `links_account_kind_amo` ON `links` (`account_id`,`kind`,`amo_id`);--> statement-breakpoint
CREATE TABLE `lpt_connections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`login` text NOT NULL,
	`sealed_password` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lpt_connections_account` ON `lpt_connections` (`account_id`);--> statement-breakpoint
CREATE TABLE `lpt_projects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`connection_id` integer NOT NULL,
	`project_id` integer NOT NULL,
	`name` text,
	`hook_key` text NOT NULL,
	`hook_status` text DEFAULT 'pending' NOT NULL,
	`hook_error` text,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lpt_projects_account_project` ON `lpt_projects` (`account_id`,`project_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `lpt_projects_hook_key` ON `lpt_projects` (`hook_key`);--> statement-breakpoint
CREATE TABLE `metadata_cache` (
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`data` text NOT NULL,
	`fetched_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`name` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`trigger` text NOT NULL,
	`conditions` text DEFAULT '{}' NOT NULL,
	`actions` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rules_account_position` ON `rules` (`account_id`,`position`);--> statement-breakpoint
CREATE TABLE `stage_maps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`project_id` integer NOT NULL,
	`lpt_stage_id` integer NOT NULL,
	`amo_pipeline_id` integer NOT NULL,
	`amo_status_id` integer NOT NULL,
	`direction` text DEFAULT 'both' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stage_maps_account_project` ON `stage_maps` (`account_id`,`project_id`);