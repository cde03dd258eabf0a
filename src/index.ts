/**
 * The Worker: a chat id → client → WhatsApp session lookup for bot backends.
 */
import { createApp } from "./app";
import { clientsRoutes } from "./clients/clients.routes";
import { conversationsRoutes } from "./conversations/conversations.routes";
import { healthRoutes } from "./health.routes";
import { registerDocs } from "./openapi";

const app = createApp();

const routes = app
  .route("/health", healthRoutes)
  .route("/api/clients", clientsRoutes)
  .route("/api/conversations", conversationsRoutes);

registerDocs(app);

/** The app's type, for Hono's typed client (`hc<AppType>`, see src/client.ts). */
export type AppType = typeof routes;

export default app;
