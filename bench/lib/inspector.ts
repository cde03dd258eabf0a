/**
 * The Worker isolate's V8 heap, read through the inspector: the app's caches live there, while
 * the process's RSS also holds the runtime, the local D1 and KV simulation, and whatever they
 * keep per request. The session goes through wrangler dev's inspector proxy (the
 * `--inspector-port` it was started with) as a DevTools client would: workerd serves one session
 * per isolate, and the proxy's own must stay (wrangler prints the Worker's logs from it).
 */
import { readFileSync } from "node:fs";
import { WebSocket } from "node:http";
import type { DevServer } from "./server.ts";

/** The inspector proxy's DevTools URL (`ws://127.0.0.1:P/ws`), from wrangler's command line; `null`: none. */
function inspectorProxyUrl(server: DevServer): string | null {
  try {
    const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
    const port = args[args.indexOf("--inspector-port") + 1];
    return port !== undefined && /^\d+$/.test(port) ? `ws://127.0.0.1:${port}/ws` : null;
  } catch {
    return null;
  }
}

/** The isolate's heap: what V8 has in use (live objects and garbage not yet collected), bytes. */
export interface HeapUsage {
  usedBytes: number;
  totalBytes: number;
}

/** One inspector session to the Worker's isolate, asked for its heap usage now and then. */
export class IsolateHeap {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (result: unknown) => void>();
  #nextId = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener("message", async (event) => {
      const data: unknown = event.data;
      const text = typeof data === "string" ? data : data instanceof Blob ? await data.text() : "";
      const message = JSON.parse(text) as { id?: number; result?: unknown };
      if (message.id === undefined) return;
      this.#pending.get(message.id)?.(message.result);
      this.#pending.delete(message.id);
    });
  }

  /** A session to the server's Worker isolate; `null` when its inspector cannot be reached. */
  static async connect(server: DevServer): Promise<IsolateHeap | null> {
    const url = inspectorProxyUrl(server);
    if (url === null) return null;
    // The proxy takes DevTools clients from a local origin only.
    const socket = new WebSocket(url, { headers: { Origin: "http://127.0.0.1" } });
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener("open", () => resolve(true));
      socket.addEventListener("error", () => resolve(false));
    });
    return opened ? new IsolateHeap(socket) : null;
  }

  /** The heap's usage now (`Runtime.getHeapUsage`); `null` if the isolate does not answer within 2 s. */
  async usage(): Promise<HeapUsage | null> {
    const id = ++this.#nextId;
    const answer = new Promise<unknown>((resolve) => {
      this.#pending.set(id, resolve);
      setTimeout(() => resolve(null), 2_000);
    });
    this.#socket.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
    const result = await answer;
    if (typeof result !== "object" || result === null) return null;
    const used: unknown = Reflect.get(result, "usedSize");
    const total: unknown = Reflect.get(result, "totalSize");
    return typeof used === "number" && typeof total === "number"
      ? { usedBytes: used, totalBytes: total }
      : null;
  }

  close(): void {
    this.#socket.close();
  }
}
