import * as z from "zod";
import { clientIdSchema } from "../domain/client";
import { storedText } from "../domain/text";
import { lazy } from "../lib/lazy";

/** The `{id}` path parameter of the client routes. */
export const clientIdParamsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    id: clientIdSchema().meta({ param: { description: "The client's id." }, example: "abc123" }),
  }),
);

/** The body of `PUT /api/clients/{id}`: unknown fields are refused. */
export const putClientBodySchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      session_id: storedText(128).trim().min(1).meta({
        description: "The WhatsApp session (connected number) that serves this client.",
        example: "xyz789",
      }),
      name: storedText(200)
        .nullable()
        .optional()
        .meta({ description: "Private: never returned by the lookup." }),
      phone: storedText(32)
        .nullable()
        .optional()
        .meta({ description: "Private: never returned by the lookup." }),
    })
    .meta({ id: "PutClientBody" }),
);
