import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../request-context";
import { createServices, type ServiceOptions, type Services } from "../services";

/**
 * Hands each request its Worker instance's services (`c.var.services`), made on the first
 * request: one set per `env`, which is the same object for every request of an instance.
 */
export function provideServices(options: ServiceOptions = {}) {
  const made = new WeakMap<Env, Services>();
  return createMiddleware<AppEnv>(async (c, next) => {
    let services = made.get(c.env);
    if (services === undefined) {
      services = createServices(c.env, options);
      made.set(c.env, services);
    }
    c.set("services", services);
    await next();
  });
}
