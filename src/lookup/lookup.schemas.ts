import { z } from "@hono/zod-openapi";
import { CHAT_ID_MAX_LENGTH, chatIdSchema, otherChatIdSchema } from "../domain/chat-id";

/** The query of `GET /api/clients/view`. */
export const viewClientQuerySchema = z.object({
  chatId: chatIdSchema.openapi({
    param: {
      description:
        "The WhatsApp chat id (`user@server`). `N@s.whatsapp.net` and `N@c.us` name the same chat, and so do ids with a `:device` part.",
    },
    example: "123456789@c.us",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
  alt: otherChatIdSchema.openapi({
    param: {
      description:
        "The other id of the same person, when the message carried one (Baileys `key.remoteJidAlt`, Evolution " +
        "API `remoteJidAlt`): a LID for a phone-number `chatId`, or the other way round. The first of `chatId`, " +
        "`alt` whose conversation has a client answers. Empty means none.",
    },
    example: "987654321098765@lid",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
});
