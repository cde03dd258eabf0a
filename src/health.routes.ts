import * as z from "zod";
import { ErrorMessage } from "./errors";
import { allowMethods } from "./middleware/allow-methods";
import { errorResponse, jsonResponse } from "./openapi";
import { createRouter, defineRoute } from "./router";

const healthRoute = defineRoute({
  operationId: "getHealth",
  method: "get",
  path: "/",
  tags: ["Operations"],
  summary: "Liveness check",
  // Public on purpose: said explicitly, so that no reader takes it for a forgotten scheme.
  security: [],
  description: "No authentication; touches no data.",
  responses: {
    200: jsonResponse(
      "The Worker is up.",
      () => z.object({ status: z.literal("ok") }).meta({ id: "Health" }),
      {
        status: "ok",
      },
    ),
    405: errorResponse("Another method on this path.", [ErrorMessage.methodNotAllowed], {
      Allow: { description: "`GET`", schema: { type: "string" } },
    }),
  },
});

const router = createRouter();
router.all("/", allowMethods("GET"));

/** `/health`: liveness, for load balancers and uptime checks. */
export const healthRoutes = router.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
