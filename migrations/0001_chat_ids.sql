CREATE TABLE `chat_ids` (
	`chat_id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversation`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_ids_conversation_id_idx` ON `chat_ids` (`conversation_id`);