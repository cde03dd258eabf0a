import * as z from "zod";
import { aliasSchema, CHAT_ID_MAX_LENGTH, chatIdSchema, isPersonId } from "../domain/chat-id";
import { clientIdSchema } from "../domain/client";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";

const chatIdParam = /* @__PURE__ */ lazy(() =>
  chatIdSchema().meta({
    param: {
      description:
        "Any id of the conversation: its chat id or one of its aliases, in any spelling (`N@s.whatsapp.net`, " +
        "`N:12@s.whatsapp.net`, `N@hosted`, the `wa_id` `N` or `+N` are all `N@c.us`; `N@hosted.lid` is `N@lid`; " +
        "a business-scoped user id `CC.X` is kept as given). A new conversation is stored under the canonical form.",
    },
    example: "123456789@c.us",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
);

/** The `{chatId}` path parameter of the conversation routes, canonicalised. */
export const chatIdParamsSchema = /* @__PURE__ */ lazy(() => z.object({ chatId: chatIdParam() }));

/**
 * The `{chatId}` and `{alias}` path parameters of the alias routes, canonicalised: both a
 * person's ids, since only a person's conversation has aliases.
 */
export const aliasParamsSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      chatId: chatIdParam(),
      alias: aliasSchema().meta({
        param: {
          description:
            "Another id of the same person, in any spelling: a phone-number id (`N@c.us`, `N@s.whatsapp.net`, " +
            "`N@hosted`, a `wa_id`), a LID (`N@lid`, `N@hosted.lid`) or a business-scoped user id (`CC.X`, `CC.ENT.X`).",
        },
        example: "987654321098765@lid",
        type: "string",
        maxLength: CHAT_ID_MAX_LENGTH,
      }),
    })
    .superRefine(({ chatId }, context) => {
      if (!isPersonId(chatId)) {
        context.addIssue({ code: "custom", message: ErrorMessage.aliasInvalid, path: ["chatId"] });
      }
    }),
);

/** The body of `PUT /api/conversations/{chatId}`: unknown fields are refused. */
export const putConversationBodySchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      client_id: clientIdSchema().nullable().meta({
        description: "The client this chat belongs to, or `null` to unlink it.",
        example: "abc123",
      }),
    })
    .meta({ id: "PutConversationBody" }),
);

/** The 200 body of the conversation routes that answer a conversation. Only the OpenAPI document builds it. */
export const conversationResponseSchema = /* @__PURE__ */ lazy(() => {
  const conversation = z
    .object({
      chat_id: z
        .string()
        .meta({ description: "The conversation's own chat id (canonical).", example: "123456789@c.us" }),
      client_id: z.string().nullable().meta({ example: "abc123" }),
      aliases: z
        .array(z.string())
        .meta({ description: "Its other ids (canonical), sorted.", example: ["987654321098765@lid"] }),
    })
    .meta({ id: "Conversation" });
  return z.object({ success: z.literal(true), record: conversation }).meta({ id: "ConversationResponse" });
});
