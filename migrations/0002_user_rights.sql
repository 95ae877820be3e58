-- amoCRM users' rights and groups, read with the account's admin token (GET /api/v4/users…),
-- cached so that a card opened by a manager shows only what amoCRM would let that manager see.
CREATE TABLE `amo_user_rights` (
	`account_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`is_admin` integer DEFAULT 0 NOT NULL,
	`group_id` integer,
	`rights` text NOT NULL,
	`fetched_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `user_id`)
);
