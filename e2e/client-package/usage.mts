// Compile-time checks of the installed package, as a bot's TypeScript sees it from an ES module:
// results narrowed by `ok`, messages as literal types, the environment's own `fetch` accepted.
import {
  type ClientError,
  createClient,
  type ErrorMessage,
  type LookupClient,
  type SessionLookup,
} from "chat-session-lookup-client";

export const lookup: LookupClient = createClient({
  baseUrl: "http://127.0.0.1:8787",
  token: "csl_example",
  timeoutMs: 2_000,
  fetch,
});

export async function sessionOf(chatId: string, alt?: string): Promise<string | null> {
  const result: SessionLookup = await lookup.getClientSession(chatId, { alt });
  if (result.ok) return result.sessionId;
  const why: ClientError = result.error;
  // @ts-expect-error: not one of the service's messages, so this comparison cannot be true
  if (result.error === "Conversation missing") return why;
  return null;
}

export async function relink(chatId: string, clientId: string | null): Promise<string> {
  const written = await lookup.putConversation(chatId, { clientId });
  if (!written.ok && written.error === "Timeout") return "retry later";
  if (!written.ok) return [written.error, ...(written.details ?? []).map(({ path }) => path)].join(" ");
  const read = await lookup.getClientSession(chatId, { bookmark: written.bookmark });
  return read.ok ? read.sessionId : written.aliases.join(" ");
}

export async function batchFailures(chatIds: string[]): Promise<string[]> {
  // @ts-expect-error: a client needs its session
  await lookup.putClient("abc123", { name: "Acme" });
  const batch = await lookup.getClientSessions(chatIds.map((chatId) => ({ chatId, alt: null })));
  if (!batch.ok) return [batch.error];
  return batch.results.flatMap((item) => {
    if (item.ok) return [];
    const status: 400 | 404 = item.status;
    const message: ErrorMessage = item.error;
    return [`${status} ${message}`];
  });
}
