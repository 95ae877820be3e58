-- List actions («Синхронизировать с LPTracker» for the selected leads or contacts): one job per
-- click, run in the queue, with one row per selected entity holding its result and the reason.
CREATE TABLE `list_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`entity` text NOT NULL,
	`project_id` integer NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`total` integer NOT NULL,
	`count_selected` integer NOT NULL,
	`requested_by` integer,
	`error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `list_jobs_account_created` ON `list_jobs` (`account_id`,`created_at`);
--> statement-breakpoint
CREATE TABLE `list_job_items` (
	`account_id` integer NOT NULL,
	`job_id` integer NOT NULL,
	`position` integer NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` integer NOT NULL,
	`name` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`reason_code` text,
	`reason` text,
	`lpt_lead_ids` text,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `job_id`, `position`)
);
--> statement-breakpoint
CREATE INDEX `list_job_items_status` ON `list_job_items` (`account_id`,`job_id`,`status`);
--> statement-breakpoint
-- The per-account secret a Digital Pipeline action carries in its hidden setting: amoCRM signs
-- nothing in DP hooks, so this (with the installed account id and a re-read of the lead) is what
-- tells our hook from a forged one. Sealed with ENCRYPTION_KEY like the other secrets.
CREATE TABLE `dp_keys` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
