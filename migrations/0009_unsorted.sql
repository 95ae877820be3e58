-- Incoming leads («Неразобранное»): per LPTracker project, whether new leads go to amoCRM's
-- incoming leads of a pipeline instead of straight into it (a row means on).
CREATE TABLE `unsorted_settings` (
	`account_id` integer NOT NULL,
	`project_id` integer NOT NULL,
	`pipeline_id` integer NOT NULL,
	`updated_by` integer,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `project_id`)
);
--> statement-breakpoint
-- Each incoming lead we posted: its uid, the lead and contact amoCRM made with it, the person's
-- phone/e-mail keys (a repeat request while it waits is added to it), and how a manager decided.
CREATE TABLE `unsorted_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`uid` text NOT NULL,
	`project_id` integer NOT NULL,
	`lpt_lead_id` text NOT NULL,
	`amo_lead_id` text NOT NULL,
	`amo_contact_id` text,
	`person_keys` text DEFAULT '[]' NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`result_lead_id` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `unsorted_entries_account_uid` ON `unsorted_entries` (`account_id`,`uid`);
--> statement-breakpoint
CREATE INDEX `unsorted_entries_account_state` ON `unsorted_entries` (`account_id`,`project_id`,`state`);
--> statement-breakpoint
CREATE INDEX `unsorted_entries_account_lpt` ON `unsorted_entries` (`account_id`,`lpt_lead_id`);
