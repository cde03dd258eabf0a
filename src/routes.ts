/**
 * Every route of the Worker. A new route is defined once, with its handler, in its feature's
 * routes file, and listed here; its 405, token check, rate limit, validation and OpenAPI entry
 * follow from that definition.
 */
import { clientRoutes } from "./clients/clients.routes";
import { consoleRoutes } from "./console.routes";
import { conversationRoutes } from "./conversations/conversations.routes";
import { docsRoutes } from "./docs.routes";
import { eventRoutes } from "./events/events.routes";
import { healthRoutes } from "./health.routes";
import { lookupRoutes } from "./lookup/lookup.routes";
import type { Route } from "./router";
import { sessionRoutes } from "./sessions/sessions.routes";
import { webhookRoutes } from "./sessions/webhooks.routes";
import { webhookSubscriptionRoutes } from "./webhooks/webhooks.routes";

export const routes: readonly Route[] = [
  ...lookupRoutes,
  ...clientRoutes,
  ...conversationRoutes,
  ...eventRoutes,
  ...webhookSubscriptionRoutes,
  ...sessionRoutes,
  ...webhookRoutes,
  ...healthRoutes,
  ...docsRoutes,
  ...consoleRoutes,
];
