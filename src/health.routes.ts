import * as z from "zod";
import { jsonResponse } from "./openapi";
import { defineRoute } from "./router";

/** `GET /health`: liveness, for load balancers and uptime checks. */
const getHealthRoute = defineRoute(
  {
    operationId: "getHealth",
    method: "get",
    path: "/health",
    scope: null,
    docs: WITH_DOCS && {
      tags: ["Operations"],
      summary: "Liveness check",
      description: "No authentication; touches no data.",
      responses: {
        200: jsonResponse(
          "The Worker is up.",
          () => z.object({ status: z.literal("ok") }).meta({ id: "Health" }),
          { status: "ok" },
        ),
      },
    },
  },
  (c) => c.json({ status: "ok" as const }, 200),
);

export const healthRoutes = [getHealthRoute];
