-- Admin sessions checked on every admin request (logout revokes on the server; admin rights are
-- re-checked against amoCRM), and the progress of re-sealing secrets under the newest ENCRYPTION_KEY.
CREATE TABLE `admin_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_reason` text,
	`rights_checked_at` integer NOT NULL,
	`next_check_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `admin_sessions_account` ON `admin_sessions` (`account_id`);
--> statement-breakpoint
CREATE TABLE `key_rotation` (
	`id` integer PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`pass_started_at` integer NOT NULL,
	`pass_found` integer DEFAULT 0 NOT NULL,
	`pass_failed` integer DEFAULT 0 NOT NULL,
	`last_pass_key_id` text,
	`last_pass_completed_at` integer,
	`last_pass_found` integer,
	`last_pass_failed` integer,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
