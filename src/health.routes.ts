import { createRoute, z } from "@hono/zod-openapi";
import { allowMethods } from "./middleware/allow-methods";
import { jsonResponse } from "./openapi";
import { createRouter } from "./router";

const healthRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Operations"],
  summary: "Liveness check",
  description: "No authentication; touches no data.",
  responses: {
    200: jsonResponse("The Worker is up.", z.object({ status: z.literal("ok") }).openapi("Health"), {
      status: "ok",
    }),
  },
});

const router = createRouter();
router.all("/", allowMethods("GET"));

/** `/health`: liveness, for load balancers and uptime checks. */
export const healthRoutes = router.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
