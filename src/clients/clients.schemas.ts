import * as z from "zod";
import { CONTROL_CHARACTERS } from "../domain/chat-id";
import { clientIdSchema } from "../domain/client";

/** The `{id}` path parameter of the client routes. */
export const clientIdParamsSchema = z.object({
  id: clientIdSchema.meta({ param: { description: "The client's id." }, example: "abc123" }),
});

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: "must not contain control characters" });

/** The body of `PUT /api/clients/{id}`: unknown fields are refused. */
export const putClientBodySchema = z
  .strictObject({
    session_id: text(128).trim().min(1).meta({
      description: "The WhatsApp session (connected number) that serves this client.",
      example: "xyz789",
    }),
    name: text(200).nullable().optional().meta({ description: "Private: never returned by the lookup." }),
    phone: text(32).nullable().optional().meta({ description: "Private: never returned by the lookup." }),
  })
  .meta({ id: "PutClientBody" });
