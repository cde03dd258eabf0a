-- Demo data, the original API documentation's own example. Safe to load again: rows that
-- already exist, and chat ids some conversation already has (as an alias too), are left as they are.
-- Its events (GET /api/events) name the actor `demo-data`.
INSERT INTO event_context (actor, after_seq) VALUES ('demo-data', 0);
INSERT INTO clients (id, session_id, name) VALUES ('abc123', 'xyz789', 'Demo client')
  ON CONFLICT DO NOTHING;
INSERT INTO conversation (id, chat_id, client_id)
  SELECT 'demo-conversation-1', '123456789@c.us', 'abc123'
  WHERE NOT EXISTS (SELECT 1 FROM chat_ids WHERE chat_id = '123456789@c.us')
  ON CONFLICT DO NOTHING;
-- A chat the bot has seen but not yet linked to a client: its lookup answers "Client not found".
INSERT INTO conversation (id, chat_id, client_id)
  SELECT 'demo-conversation-2', '555000111@c.us', NULL
  WHERE NOT EXISTS (SELECT 1 FROM chat_ids WHERE chat_id = '555000111@c.us')
  ON CONFLICT DO NOTHING;
-- The caches of a Worker that is not running yet need no news of these rows (src/db/schema.ts,
-- chat_changes).
DELETE FROM chat_changes;
DELETE FROM event_context;
