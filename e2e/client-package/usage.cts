// The package from CommonJS TypeScript: this `import` compiles to `require`, and resolves the
// package's CommonJS declarations.
import { createClient, type WriteResult } from "chat-session-lookup-client";

export async function removeClient(baseUrl: string, token: string, clientId: string): Promise<string> {
  const result: WriteResult = await createClient({ baseUrl, token }).deleteClient(clientId);
  return result.ok ? `deleted, bookmark ${result.bookmark ?? "none"}` : `${result.status} ${result.error}`;
}
