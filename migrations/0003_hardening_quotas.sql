-- Per-tenant quota refusals (issue 14): which quota a tenant's webhooks hit, per hour, so the admin
-- dashboard can warn. Written at most about once a minute per isolate and quota, never per request.
CREATE TABLE `quota_hits` (
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`window_start` integer NOT NULL,
	`refused` integer DEFAULT 0 NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `kind`, `window_start`)
);
