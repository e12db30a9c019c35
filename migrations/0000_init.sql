CREATE TABLE `anomalies` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`metric` text NOT NULL,
	`tag_key` text NOT NULL,
	`tags` text NOT NULL,
	`timestamp` integer NOT NULL,
	`value` real NOT NULL,
	`score` real NOT NULL,
	`severity` text NOT NULL,
	`confidence` real NOT NULL,
	`expected_low` real NOT NULL,
	`expected_high` real NOT NULL,
	`direction` text,
	`algorithms` text NOT NULL,
	`status` text NOT NULL,
	`explanation` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `anomalies_tenant_time_idx` ON `anomalies` (`tenant_id`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `anomalies_tenant_metric_idx` ON `anomalies` (`tenant_id`,`metric`,`timestamp`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`owner` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer,
	`content_type` text,
	`body` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `series` (
	`tenant_id` text NOT NULL,
	`metric` text NOT NULL,
	`tag_key` text NOT NULL,
	`tags` text NOT NULL,
	`points` integer NOT NULL,
	`last_value` real,
	`last_at` integer,
	`last_anomaly_at` integer,
	`config` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `metric`, `tag_key`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`region` text NOT NULL,
	`plan` text NOT NULL,
	`created_at` integer NOT NULL
);
