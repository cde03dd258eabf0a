-- Every conversation's own chat_id is one of its ids: registered on insert and kept in step on
-- update, so that the primary key of chat_ids holds for aliases and chat ids alike.
CREATE TRIGGER `conversation_chat_id_registered` AFTER INSERT ON `conversation`
BEGIN
  INSERT INTO `chat_ids` (`chat_id`, `conversation_id`) VALUES (NEW.`chat_id`, NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_chat_id_renamed` AFTER UPDATE OF `chat_id` ON `conversation`
BEGIN
  UPDATE `chat_ids` SET `chat_id` = NEW.`chat_id` WHERE `chat_id` = OLD.`chat_id` AND `conversation_id` = NEW.`id`;
END;
--> statement-breakpoint
-- The conversations stored before aliases existed.
INSERT INTO `chat_ids` (`chat_id`, `conversation_id`) SELECT `chat_id`, `id` FROM `conversation`;
