import { createServer } from "node:net";

/**
 * A TCP port nobody listens on right now on the loopback interface, chosen by the system: for
 * the servers the end-to-end suite and the benchmark start, never a fixed port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port assigned")),
      );
    });
  });
}
