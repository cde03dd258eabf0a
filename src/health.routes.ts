import * as z from "zod";
import { allowMethods } from "./middleware/allow-methods";
import { jsonResponse } from "./openapi";
import { createRouter, defineRoute } from "./router";

const healthRoute = defineRoute({
  method: "get",
  path: "/",
  tags: ["Operations"],
  summary: "Liveness check",
  description: "No authentication; touches no data.",
  responses: {
    200: jsonResponse(
      "The Worker is up.",
      () => z.object({ status: z.literal("ok") }).meta({ id: "Health" }),
      {
        status: "ok",
      },
    ),
  },
});

const router = createRouter();
router.all("/", allowMethods("GET"));

/** `/health`: liveness, for load balancers and uptime checks. */
export const healthRoutes = router.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
