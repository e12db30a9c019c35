ALTER TABLE `anomalies` ADD `breakdown` text;--> statement-breakpoint
ALTER TABLE `anomalies` ADD `label` text;