CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`since` integer NOT NULL,
	`reported_at` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	CONSTRAINT "sessions_status_check" CHECK(status IN ('WORKING', 'STARTING', 'SCAN_QR_CODE', 'FAILED', 'STOPPED'))
);
