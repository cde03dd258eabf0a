/**
 * The Worker: a chat id → client → WhatsApp session lookup for bot backends.
 */
import { createApp } from "./app";
import { clientsRoutes } from "./clients/clients.routes";
import { conversationsRoutes } from "./conversations/conversations.routes";
import { allowMethods } from "./middleware/allow-methods";

const app = createApp();

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "An API token made with `npm run token -- create`.",
});

app.all("/health", allowMethods("GET"));

const routes = app
  .get("/health", (c) => c.json({ status: "ok" as const }, 200))
  .route("/api/clients", clientsRoutes)
  .route("/api/conversations", conversationsRoutes);

/** The app's type, for Hono's typed client (`hc<AppType>`). */
export type AppType = typeof routes;

export default app;
