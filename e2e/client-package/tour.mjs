// What a bot does with the installed client package, route by route, against the running
// service; the same file runs on Node (esm.mjs) and, bundled, in a browser (browser.mjs).
import { createClient, ERROR_MESSAGES, MAX_BATCH_LOOKUPS } from "chat-session-lookup-client";

/**
 * Runs every method once on fresh ids and answers what each returned.
 *
 * @param {{ baseUrl: string, token: string, sessionsToken: string, run: string }} options - `run`:
 *   digits no other run uses; `sessionsToken`: a gateway's token (`sessions:write`).
 */
export async function tour({ baseUrl, token, sessionsToken, run }) {
  const lookup = createClient({ baseUrl, token });
  const gateway = createClient({ baseUrl, token: sessionsToken });
  const health = await lookup.getHealth();
  const clientId = `package-${run}`;
  const chatId = `49${run}@c.us`;
  const lid = `77${run}@lid`;

  const putClient = await lookup.putClient(clientId, { sessionId: `session-${run}`, name: "Package tour" });
  const putConversation = await lookup.putConversation(`49${run}:2@s.whatsapp.net`, { clientId });
  const readOwnWrite = await lookup.getClientSession(chatId, { bookmark: putConversation.bookmark });
  const listEvents = await lookup.listEvents({ clientId }, { limit: 2 });
  const addAlias = await lookup.addAlias(chatId, lid);
  const byAlt = await lookup.getClientSession(`78${run}@lid`, { alt: lid, fresh: true });
  const batch = await lookup.getClientSessions([
    { chatId: lid },
    { chatId: "123456789@c.us" },
    { chatId: "hello" },
  ]);
  const getConversation = await lookup.getConversation(lid);
  const webhook = `package-${run}`;
  const putWebhook = await lookup.putWebhook(webhook, {
    url: "https://receiver.example.com/hook",
    events: ["client.*"],
  });
  const subscriptions = await lookup.listWebhooks();
  const listWebhooks = subscriptions.ok
    ? { ...subscriptions, webhooks: subscriptions.webhooks.filter((each) => each.name === webhook) }
    : subscriptions;
  const deleteWebhook = await lookup.deleteWebhook(webhook);

  const sessionId = `session-${run}`;
  const putSessionStatus = await gateway.putSessionStatus(sessionId, {
    status: "SCAN_QR_CODE",
    at: "2025-12-05T10:00:00Z",
  });
  const postWahaWebhook = await gateway.postWahaWebhook({
    timestamp: Date.parse("2025-12-05T10:00:30Z"),
    session: sessionId,
    event: "session.status",
    payload: { status: "WORKING" },
  });
  const postEvolutionWebhook = await gateway.postEvolutionWebhook({
    event: "messages.upsert",
    instance: sessionId,
    data: {},
  });
  const postEvolutionWebhookByEvent = await gateway.postEvolutionWebhookByEvent("connection-update", {
    event: "connection.update",
    instance: `evolution-${run}`,
    data: { state: "close", statusReason: 401 },
  });
  const withSession = await lookup.getClientSession(chatId, { includeSession: true });
  const listed = await lookup.listSessions();
  const listSessions = listed.ok
    ? listed.sessions.filter((session) => session.sessionId === sessionId)
    : listed;
  const removeAlias = await lookup.removeAlias(chatId, lid);
  const deleteConversation = await lookup.deleteConversation(chatId);
  const deleteClient = await lookup.deleteClient(clientId);
  const afterDelete = await lookup.getClientSession(chatId);
  const badToken = await createClient({ baseUrl, token: "csl_nobody" }).getClientSession(chatId);
  const unreachable = await createClient({ baseUrl: "http://127.0.0.1:9", token }).getClientSession(chatId);

  return {
    health,
    putClient,
    putConversation,
    readOwnWrite,
    listEvents,
    addAlias,
    byAlt,
    batch,
    getConversation,
    putWebhook,
    listWebhooks,
    deleteWebhook,
    putSessionStatus,
    postWahaWebhook,
    postEvolutionWebhook,
    postEvolutionWebhookByEvent,
    withSession,
    listSessions,
    removeAlias,
    deleteConversation,
    deleteClient,
    afterDelete,
    badToken,
    unreachable,
    messages: ERROR_MESSAGES.length,
    maxBatch: MAX_BATCH_LOOKUPS,
  };
}
