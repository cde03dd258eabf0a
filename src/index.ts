/**
 * The Worker: a chat id → client → WhatsApp session lookup for bot backends.
 */
import { createApp } from "./app";
import { clientsRoutes } from "./clients/clients.routes";
import { conversationsRoutes } from "./conversations/conversations.routes";
import { healthRoutes } from "./health.routes";
import { lookupRoutes } from "./lookup/lookup.routes";
import { registerDocs } from "./openapi";
import type { ServiceOptions } from "./services";

/** The app with every route; `options` replace parts of its services (tests). */
export function createWorker(options: ServiceOptions = {}) {
  const app = createApp(options);
  const routes = app
    .route("/health", healthRoutes)
    .route("/api/clients", lookupRoutes)
    .route("/api/clients", clientsRoutes)
    .route("/api/conversations", conversationsRoutes);
  registerDocs(app);
  return routes;
}

const worker = createWorker();

export default worker;
