/**
 * The Worker: a chat id → client → WhatsApp session lookup for bot backends.
 */
import { createApp } from "./app";
import { mountRoutes } from "./router";
import { routes } from "./routes";
import type { ServiceOptions } from "./services";

/** The app with every route; `options` replace parts of its services (tests). */
export function createWorker(options: ServiceOptions = {}) {
  const app = createApp(options);
  mountRoutes(app, routes);
  return app;
}

export default createWorker();
