-- Install order and switching the widget off/on (issue 13): when the widget was switched off in
-- amoCRM (processing paused) and since when we wait for amoCRM's OAuth code after an install or a
-- switch-on.
ALTER TABLE `accounts` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `awaiting_access_since` integer;--> statement-breakpoint
-- The token pair of an exchanged code, sealed, until the install job has finished: a code is
-- single-use, so a retry after a later step failed must not exchange it again.
ALTER TABLE `installs` ADD `sealed_tokens` text;
