CREATE TABLE `chat_changes` (
	`chat_id` text NOT NULL
);
