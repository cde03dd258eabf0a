import * as z from "zod";
import { CHAT_ID_MAX_LENGTH, chatIdSchema } from "../domain/chat-id";

/** The query of `GET /api/clients/view`. */
export const viewClientQuerySchema = z.object({
  chatId: chatIdSchema.meta({
    param: {
      description:
        "The WhatsApp chat id (`user@server`). `N@s.whatsapp.net` and `N@c.us` name the same chat, and so do ids with a `:device` part.",
    },
    example: "123456789@c.us",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
});
