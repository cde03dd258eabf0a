/**
 * A webhook receiver on loopback, as a customer would write one: each delivery verified with the
 * `standardwebhooks` package (signature, timestamp), answered as the test says, and kept.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request the receiver got: its id, whether its signature verified, and what it answered. */
export interface Received {
  id: string;
  verified: boolean;
  /** The verified payload (`undefined` when it did not verify). */
  event: Record<string, unknown> | undefined;
  status: number;
}

export interface Receiver {
  /** Such as `http://127.0.0.1:41235/hook`. */
  readonly url: string;
  readonly received: Received[];
  /** The secret to verify with, once the subscription has answered it. */
  secret: string | undefined;
  /** Resolves once `accept` holds for what was received; rejects after `withinMs` with what there is. */
  until(accept: (received: readonly Received[]) => boolean, withinMs: number): Promise<void>;
  close(): Promise<void>;
}

function headerValues(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) => (typeof value === "string" ? [[name, value]] : [])),
  );
}

/**
 * Starts a receiver; `answer(n)` is the status of the n-th request (1-based), 204 by default.
 */
export async function startReceiver(answer: (n: number) => number = () => 204): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  let secret: string | undefined;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let event: Record<string, unknown> | undefined;
      try {
        event = new Webhook(secret ?? "").verify(body, headerValues(request.headers)) as Record<
          string,
          unknown
        >;
      } catch {
        event = undefined;
      }
      const status = answer(received.length + 1);
      received.push({
        id: String(request.headers["webhook-id"]),
        verified: event !== undefined,
        event,
        status,
      });
      response.writeHead(status).end(status === 204 ? undefined : "no");
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get secret() {
      return secret;
    },
    set secret(value) {
      secret = value;
    },
    until(accept, withinMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!accept(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the receiver did not get what was awaited within ${withinMs} ms: ${JSON.stringify(received)}`,
            ),
          );
        }, withinMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
