/**
 * The Worker: a chat id → client → WhatsApp session lookup for bot backends; its webhook
 * deliveries (the queue's consumer) and its Cron Trigger.
 */
import { createApp } from "./app";
import { deliverQueueBatch, runScheduled } from "./background";
import { mountRoutes } from "./router";
import { routes } from "./routes";
import { instanceServices, type ServiceOptions } from "./services";

/** The Worker's handlers, with every route; `options` replace parts of its services (tests). */
export function createWorker(options: ServiceOptions = {}) {
  const instance = instanceServices(options);
  const app = createApp(instance);
  mountRoutes(app, routes);
  return {
    fetch: app.fetch,
    queue: (batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext) =>
      deliverQueueBatch(instance.of(env), batch),
    scheduled: (_controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
      runScheduled(instance.of(env), ctx),
  } satisfies ExportedHandler<Env>;
}

export default createWorker();
