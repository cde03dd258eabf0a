import * as z from "zod";
import { CHAT_ID_MAX_LENGTH, chatIdSchema } from "../domain/chat-id";
import { clientIdSchema } from "../domain/client";
import { lazy } from "../lib/lazy";

/** The `{chatId}` path parameter of the conversation routes, canonicalised. */
export const chatIdParamsSchema = z.object({
  chatId: chatIdSchema.meta({
    param: {
      description:
        "The WhatsApp chat id; stored in canonical form (`N@s.whatsapp.net` and `N:12@s.whatsapp.net` are stored as `N@c.us`).",
    },
    example: "123456789@c.us",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
});

/** The body of `PUT /api/conversations/{chatId}`: unknown fields are refused. */
export const putConversationBodySchema = z
  .strictObject({
    client_id: clientIdSchema.nullable().meta({
      description: "The client this chat belongs to, or `null` to unlink it.",
      example: "abc123",
    }),
  })
  .meta({ id: "PutConversationBody" });

/** The 200 body of `PUT /api/conversations/{chatId}`. Only the OpenAPI document builds it. */
export const conversationResponseSchema = lazy(() =>
  z
    .object({
      success: z.literal(true),
      record: z.object({
        chat_id: z.string().meta({ description: "The canonical chat id.", example: "123456789@c.us" }),
        client_id: z.string().nullable().meta({ example: "abc123" }),
      }),
    })
    .meta({ id: "ConversationResponse" }),
);
