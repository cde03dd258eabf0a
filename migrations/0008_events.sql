CREATE TABLE `event_context` (
	`actor` text NOT NULL,
	`after_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `event_outbox` (
	`event_seq` integer PRIMARY KEY NOT NULL,
	FOREIGN KEY (`event_seq`) REFERENCES `events`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`chat_id` text,
	`client_id` text,
	`session_id` text,
	`conversation_id` text,
	`merged_from` text,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `events_deleted_chat_id_idx` ON `events` (`chat_id`) WHERE type = 'conversation.deleted';--> statement-breakpoint
CREATE INDEX `events_conversation_id_idx` ON `events` (`conversation_id`) WHERE conversation_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `events_client_id_idx` ON `events` (`client_id`) WHERE client_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `events_session_id_idx` ON `events` (`session_id`) WHERE session_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `webhooks` (
	`name` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`disabled_at` integer
);
