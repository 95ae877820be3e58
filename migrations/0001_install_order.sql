-- Install order and switching the widget off/on (issue 13): when the widget was switched off in
-- amoCRM (processing paused) and since when we wait for amoCRM's OAuth code after an install or a
-- switch-on.
ALTER TABLE `accounts` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `awaiting_access_since` integer;
