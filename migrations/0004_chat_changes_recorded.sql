-- Every change that can alter what a lookup answers records the chats it alters in
-- chat_changes; the write that made it reads them back and empties the table in the same batch.
CREATE TRIGGER `chat_id_added` AFTER INSERT ON `chat_ids`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`) VALUES (NEW.`chat_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `chat_id_removed` AFTER DELETE ON `chat_ids`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`) VALUES (OLD.`chat_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `chat_id_moved` AFTER UPDATE ON `chat_ids`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`) VALUES (OLD.`chat_id`), (NEW.`chat_id`);
END;
--> statement-breakpoint
-- Also before the cascade removes its ids, so that nothing depends on how cascades fire triggers.
CREATE TRIGGER `conversation_removed` BEFORE DELETE ON `conversation`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`) SELECT `chat_id` FROM `chat_ids` WHERE `conversation_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_relinked` AFTER UPDATE OF `client_id` ON `conversation`
WHEN OLD.`client_id` IS NOT NEW.`client_id`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`) SELECT `chat_id` FROM `chat_ids` WHERE `conversation_id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `client_session_changed` AFTER UPDATE OF `session_id` ON `clients`
WHEN OLD.`session_id` IS NOT NEW.`session_id`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`)
    SELECT `chat_ids`.`chat_id` FROM `chat_ids`
    JOIN `conversation` ON `conversation`.`id` = `chat_ids`.`conversation_id`
    WHERE `conversation`.`client_id` = NEW.`id`;
END;
--> statement-breakpoint
-- Before the delete unlinks its conversations.
CREATE TRIGGER `client_removed` BEFORE DELETE ON `clients`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`)
    SELECT `chat_ids`.`chat_id` FROM `chat_ids`
    JOIN `conversation` ON `conversation`.`id` = `chat_ids`.`conversation_id`
    WHERE `conversation`.`client_id` = OLD.`id`;
END;
