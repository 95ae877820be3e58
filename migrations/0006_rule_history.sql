-- Rule history: every change to a rule is kept (who, when, before, after) and can be restored;
-- `rules.version` counts the changes so that an event's audit entry can name the version it ran.
ALTER TABLE `rules` ADD `version` integer DEFAULT 1 NOT NULL;
--> statement-breakpoint
CREATE TABLE `rule_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`rule_id` integer NOT NULL,
	`version` integer NOT NULL,
	`change` text NOT NULL,
	`actor` text,
	`at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`before` text,
	`after` text,
	`note` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rule_versions_account_rule_version` ON `rule_versions` (`account_id`,`rule_id`,`version`);
