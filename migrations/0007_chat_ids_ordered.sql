-- Ids are numbered in the order they are added (added_seq, see NEXT_ADDED_SEQ in
-- src/db/schema.ts), so that removing a conversation's chat id can pick the earliest of the rest.
-- The ids stored before keep the order they were inserted in (their rowid), before any new one.
-- chat_id_moved (migrations/0004_chat_changes_recorded.sql) is left out while they are
-- numbered: numbering changes no lookup answer, and would record every id as changed.
DROP TRIGGER `chat_id_moved`;
--> statement-breakpoint
UPDATE `chat_ids` SET `added_seq` = rowid;
--> statement-breakpoint
CREATE TRIGGER `chat_id_moved` AFTER UPDATE ON `chat_ids`
BEGIN
  INSERT INTO `chat_changes` (`chat_id`) VALUES (OLD.`chat_id`), (NEW.`chat_id`);
END;
--> statement-breakpoint
-- A conversation's own chat id is numbered as it is registered.
DROP TRIGGER `conversation_chat_id_registered`;
--> statement-breakpoint
CREATE TRIGGER `conversation_chat_id_registered` AFTER INSERT ON `conversation`
BEGIN
  INSERT INTO `chat_ids` (`chat_id`, `conversation_id`, `added_seq`)
    VALUES (NEW.`chat_id`, NEW.`id`, (SELECT coalesce(max(`added_seq`), 0) + 1 FROM `chat_ids`));
END;
