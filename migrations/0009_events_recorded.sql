-- Every change of clients, conversations, their ids and sessions records its event, in the statement that
-- makes it: no write path can forget, and a change and its record commit together or not at all.
-- Each trigger reacts to the data (a row inserted, updated, deleted), not to the API call that
-- changed it. The actor is the one row of event_context (set at the start of a write's batch and
-- deleted at its end), or `database` for a change made outside the service. Private client fields
-- (`name`, `phone`) never reach an event.
CREATE TRIGGER `client_created_recorded` AFTER INSERT ON `clients`
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `client_id`, `session_id`, `after`)
  VALUES ('evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'client.upserted',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    NEW.`id`, NEW.`session_id`, json_object('session_id', NEW.`session_id`));
END;
--> statement-breakpoint
-- An update that changes nothing (the same PUT again) records nothing.
CREATE TRIGGER `client_updated_recorded` AFTER UPDATE ON `clients`
WHEN OLD.`session_id` IS NOT NEW.`session_id` OR OLD.`name` IS NOT NEW.`name` OR OLD.`phone` IS NOT NEW.`phone`
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `client_id`, `session_id`, `before`, `after`)
  VALUES ('evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'client.upserted',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    NEW.`id`, NEW.`session_id`, json_object('session_id', OLD.`session_id`), json_object('session_id', NEW.`session_id`));
END;
--> statement-breakpoint
-- Before the delete, while the client's session is still there to be named: each of its
-- conversations is unlinked (ON DELETE SET NULL), then the client goes.
CREATE TRIGGER `client_deleted_recorded` BEFORE DELETE ON `clients`
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `before`, `after`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'conversation.unlinked',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    `chat_id`, OLD.`id`, OLD.`session_id`, `id`,
    json_object('client_id', OLD.`id`, 'session_id', OLD.`session_id`), json_object('client_id', NULL, 'session_id', NULL)
  FROM `conversation` WHERE `client_id` = OLD.`id`;
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `client_id`, `session_id`, `before`)
  VALUES ('evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'client.deleted',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    OLD.`id`, OLD.`session_id`, json_object('session_id', OLD.`session_id`));
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_created_recorded` AFTER INSERT ON `conversation`
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `after`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER),
    CASE WHEN NEW.`client_id` IS NULL THEN 'conversation.created' ELSE 'conversation.linked' END,
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    NEW.`chat_id`, NEW.`client_id`, `session`, NEW.`id`,
    json_object('client_id', NEW.`client_id`, 'session_id', `session`)
  FROM (SELECT (SELECT `session_id` FROM `clients` WHERE `id` = NEW.`client_id`) AS `session`);
END;
--> statement-breakpoint
-- A client's delete unlinks its conversations itself, and has recorded that (above): when the
-- old client is gone, this is that unlink.
CREATE TRIGGER `conversation_relinked_recorded` AFTER UPDATE OF `client_id` ON `conversation`
WHEN OLD.`client_id` IS NOT NEW.`client_id`
  AND (NEW.`client_id` IS NOT NULL OR EXISTS (SELECT 1 FROM `clients` WHERE `id` = OLD.`client_id`))
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `before`, `after`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER),
    CASE WHEN NEW.`client_id` IS NULL THEN 'conversation.unlinked' ELSE 'conversation.linked' END,
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    NEW.`chat_id`, coalesce(NEW.`client_id`, OLD.`client_id`), coalesce(`new_session`, `old_session`), NEW.`id`,
    json_object('client_id', OLD.`client_id`, 'session_id', `old_session`),
    json_object('client_id', NEW.`client_id`, 'session_id', `new_session`)
  FROM (SELECT (SELECT `session_id` FROM `clients` WHERE `id` = OLD.`client_id`) AS `old_session`,
    (SELECT `session_id` FROM `clients` WHERE `id` = NEW.`client_id`) AS `new_session`);
END;
--> statement-breakpoint
-- A conversation left without ids is what a merge removes: that is recorded as the merge.
CREATE TRIGGER `conversation_deleted_recorded` BEFORE DELETE ON `conversation`
WHEN EXISTS (SELECT 1 FROM `chat_ids` WHERE `conversation_id` = OLD.`id`)
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `before`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'conversation.deleted',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    OLD.`chat_id`, OLD.`client_id`, `session`, OLD.`id`,
    json_object('client_id', OLD.`client_id`, 'session_id', `session`, 'aliases', json(
      (SELECT json_group_array(`chat_id`) FROM (SELECT `chat_id` FROM `chat_ids`
        WHERE `conversation_id` = OLD.`id` AND `chat_id` <> OLD.`chat_id` ORDER BY `chat_id`))))
  FROM (SELECT (SELECT `session_id` FROM `clients` WHERE `id` = OLD.`client_id`) AS `session`);
END;
--> statement-breakpoint
-- A conversation's own chat id is registered in chat_ids too (migrations/0002): not an alias.
CREATE TRIGGER `alias_added_recorded` AFTER INSERT ON `chat_ids`
WHEN NEW.`chat_id` IS NOT (SELECT `chat_id` FROM `conversation` WHERE `id` = NEW.`conversation_id`)
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `after`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'alias.added',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    `v`.`chat_id`, `v`.`client_id`, `k`.`session_id`, `v`.`id`, json_object('alias', NEW.`chat_id`)
  FROM `conversation` AS `v` LEFT JOIN `clients` AS `k` ON `k`.`id` = `v`.`client_id`
  WHERE `v`.`id` = NEW.`conversation_id`;
END;
--> statement-breakpoint
-- Ids that go with their conversation (a delete) are recorded by its delete. A conversation's own
-- chat id removed before the conversation takes another is recorded with that rename (below).
CREATE TRIGGER `alias_removed_recorded` AFTER DELETE ON `chat_ids`
WHEN EXISTS (SELECT 1 FROM `conversation` WHERE `id` = OLD.`conversation_id` AND `chat_id` IS NOT OLD.`chat_id`)
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `before`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'alias.removed',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    `v`.`chat_id`, `v`.`client_id`, `k`.`session_id`, `v`.`id`, json_object('alias', OLD.`chat_id`)
  FROM `conversation` AS `v` LEFT JOIN `clients` AS `k` ON `k`.`id` = `v`.`client_id`
  WHERE `v`.`id` = OLD.`conversation_id`;
END;
--> statement-breakpoint
-- A conversation that takes another of its ids as its chat id, its old one gone: the old one's
-- removal, unless the delete of its row (after the rename) has recorded it in this batch already.
CREATE TRIGGER `chat_id_replaced_recorded` AFTER UPDATE OF `chat_id` ON `conversation`
WHEN OLD.`chat_id` IS NOT NEW.`chat_id`
  AND NOT EXISTS (SELECT 1 FROM `chat_ids` WHERE `chat_id` = OLD.`chat_id` AND `conversation_id` = NEW.`id`)
  AND NOT EXISTS (SELECT 1 FROM `events` WHERE `conversation_id` = NEW.`id` AND `type` = 'alias.removed'
    AND `seq` > coalesce((SELECT `after_seq` FROM `event_context` LIMIT 1), 0)
    AND json_extract(`before`, '$.alias') = OLD.`chat_id`)
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `before`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'alias.removed',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    NEW.`chat_id`, NEW.`client_id`, (SELECT `session_id` FROM `clients` WHERE `id` = NEW.`client_id`), NEW.`id`,
    json_object('alias', OLD.`chat_id`);
END;
--> statement-breakpoint
-- A merge moves every id of one conversation to another, then removes the emptied one: recorded
-- once, when the source's own chat id moves (the source is still there to be described).
CREATE TRIGGER `conversations_merged_recorded` AFTER UPDATE OF `conversation_id` ON `chat_ids`
WHEN OLD.`conversation_id` IS NOT NEW.`conversation_id`
  AND NEW.`chat_id` = (SELECT `chat_id` FROM `conversation` WHERE `id` = OLD.`conversation_id`)
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `chat_id`, `client_id`, `session_id`, `conversation_id`, `merged_from`, `before`, `after`)
  SELECT 'evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'conversations.merged',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'),
    `t`.`chat_id`, `t`.`client_id`, `k`.`session_id`, `t`.`id`, `s`.`id`,
    json_object('chat_id', `s`.`chat_id`, 'client_id', `s`.`client_id`),
    json_object('chat_id', `t`.`chat_id`, 'client_id', `t`.`client_id`, 'session_id', `k`.`session_id`)
  FROM `conversation` AS `t`
  JOIN `conversation` AS `s` ON `s`.`id` = OLD.`conversation_id`
  LEFT JOIN `clients` AS `k` ON `k`.`id` = `t`.`client_id`
  WHERE `t`.`id` = NEW.`conversation_id`;
END;
--> statement-breakpoint
-- An event some enabled subscription wants waits in the outbox until it is on the delivery queue.
-- Patterns: an exact type, `prefix.*`, or `*`.
CREATE TRIGGER `event_outboxed` AFTER INSERT ON `events`
WHEN EXISTS (SELECT 1 FROM `webhooks` AS `w`, json_each(`w`.`events`) AS `p`
  WHERE `w`.`disabled_at` IS NULL AND (`p`.`value` = '*' OR `p`.`value` = NEW.`type`
    OR (`p`.`value` LIKE '%.*' AND substr(NEW.`type`, 1, length(`p`.`value`) - 1) = substr(`p`.`value`, 1, length(`p`.`value`) - 1))))
BEGIN
  INSERT INTO `event_outbox` (`event_seq`) VALUES (NEW.`seq`);
END;
--> statement-breakpoint
-- A session's status: recorded when it changes (a repeated report of the status it has keeps
-- its `since`, and changes nothing). A session never reported before was UNKNOWN.
CREATE TRIGGER `session_reported_recorded` AFTER INSERT ON `sessions`
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `session_id`, `before`, `after`)
  VALUES ('evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'session.status',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'), NEW.`id`,
    json_object('status', 'UNKNOWN', 'since', NULL),
    json_object('status', NEW.`status`, 'since', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`since` / 1000.0, 'unixepoch')));
END;
--> statement-breakpoint
CREATE TRIGGER `session_status_recorded` AFTER UPDATE OF `status` ON `sessions`
WHEN OLD.`status` IS NOT NEW.`status`
BEGIN
  INSERT INTO `events` (`id`, `at`, `type`, `actor`, `session_id`, `before`, `after`)
  VALUES ('evt_' || lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'session.status',
    coalesce((SELECT `actor` FROM `event_context` LIMIT 1), 'database'), NEW.`id`,
    json_object('status', OLD.`status`, 'since', strftime('%Y-%m-%dT%H:%M:%fZ', OLD.`since` / 1000.0, 'unixepoch')),
    json_object('status', NEW.`status`, 'since', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`since` / 1000.0, 'unixepoch')));
END;
