import { createServer, type Server } from "node:net";

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * `count` distinct TCP ports nobody listens on right now on the loopback interface, chosen by
 * the system: for the servers the end-to-end suite and the benchmark start, never a fixed port.
 * The ports are held together until all are chosen, so that no two of them are the same.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(0, "127.0.0.1"));
    return servers.map((server) => {
      const address = server.address();
      if (typeof address !== "object" || address === null) throw new Error("no port assigned");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** Whether something already listens on `host`:`port`, so that a server started there would fail. */
export async function portInUse(host: string, port: number): Promise<boolean> {
  try {
    await close(await listen(port, host));
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") return true;
    throw error;
  }
}
