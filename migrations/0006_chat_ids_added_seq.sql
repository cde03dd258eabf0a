ALTER TABLE `chat_ids` ADD `added_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `chat_ids_added_seq_idx` ON `chat_ids` (`added_seq`);