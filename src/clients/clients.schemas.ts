import { z } from "@hono/zod-openapi";
import { chatIdSchema } from "../chat-id";

export const viewClientQuerySchema = z.object({
  chatId: chatIdSchema.openapi({
    param: {
      description:
        "The WhatsApp chat id (`user@server`). `N@s.whatsapp.net` and `N@c.us` name the same chat, and so do ids with a `:device` part.",
    },
    example: "123456789@c.us",
  }),
});

export const clientSessionSchema = z
  .object({
    id: z.string().openapi({ description: "The client's id.", example: "abc123" }),
    session_id: z.string().openapi({
      description: "The WhatsApp session (connected number) that serves the client.",
      example: "xyz789",
    }),
  })
  .openapi("ClientSession");

export const viewClientResponseSchema = z
  .object({ success: z.literal(true), record: clientSessionSchema })
  .openapi("ViewClientResponse");
