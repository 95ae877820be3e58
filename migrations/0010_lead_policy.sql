-- Per LPTracker project: what a repeat request from a contact with an open amoCRM lead does, and
-- who becomes the responsible user of a new lead. `rr_next` is the round-robin counter: taken with
-- one `UPDATE … SET rr_next = rr_next + 1 … RETURNING`, so two simultaneous leads never share a slot.
CREATE TABLE `lead_policies` (
	`account_id` integer NOT NULL,
	`project_id` integer NOT NULL,
	`repeat_mode` text DEFAULT 'new' NOT NULL,
	`repeat_pipelines` text DEFAULT '[]' NOT NULL,
	`assign_mode` text DEFAULT 'none' NOT NULL,
	`fixed_user_id` integer,
	`rr_users` text DEFAULT '[]' NOT NULL,
	`staff_map` text DEFAULT '[]' NOT NULL,
	`fallback_user_id` integer,
	`contact_owner_wins` integer DEFAULT false NOT NULL,
	`rr_next` integer DEFAULT 0 NOT NULL,
	`updated_by` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `project_id`)
);
