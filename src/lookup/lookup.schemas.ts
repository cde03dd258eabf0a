import * as z from "zod";
import {
  altError,
  CHAT_ID_MAX_LENGTH,
  chatIdSchema,
  otherChatIdSchema,
  parseChatId,
  parseOtherChatId,
} from "../domain/chat-id";
import type { BatchItem } from "../domain/chat-lookup";
import { clientSessionSchema } from "../domain/client";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";

/** What a lookup may add to its record: `session`, the session's status. */
export const LOOKUP_INCLUDES = ["session"] as const;

/**
 * The `include` query parameter: a comma-separated list of {@link LOOKUP_INCLUDES} (given twice,
 * both lists), as whether the session's status is included.
 */
const includeQuerySchema = () =>
  z
    .union([z.string(), z.array(z.string())], { error: ErrorMessage.includeInvalid })
    .optional()
    .transform((raw, context) => {
      const values = [raw ?? []].flat().flatMap((value) => value.split(","));
      const names = values.map((value) => value.trim()).filter((value) => value !== "");
      if (names.some((name) => !(LOOKUP_INCLUDES as readonly string[]).includes(name))) {
        context.addIssue({ code: "custom", message: ErrorMessage.includeInvalid, input: raw });
        return z.NEVER;
      }
      return names.includes("session");
    })
    .meta({
      param: {
        description:
          "`session`: the record also carries the session's status, `session: {status, since}` (`UNKNOWN`, " +
          "`since: null` for a session never reported). Hot lookups answer it from memory too.",
      },
      example: "session",
      type: "string",
    });

/** The query of `GET /api/clients/view`: `alt` beside a group, broadcast or newsletter is refused. */
export const viewClientQuerySchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      chatId: chatIdSchema().meta({
        param: {
          description:
            "The chat id as the message carried it: a WhatsApp JID (`user@server`: `N@c.us`, `N@s.whatsapp.net`, " +
            "`N@hosted`, `N@lid`, `N@hosted.lid`, a group…, with or without a device part), a Cloud API `wa_id` " +
            "(`N` or `+N`; send `+` as `%2B`) or a business-scoped user id (`CC.X`, `CC.ENT.X`). Every spelling " +
            "of a phone number is `N@c.us`, of a LID `N@lid`.",
        },
        example: "123456789@c.us",
        type: "string",
        maxLength: CHAT_ID_MAX_LENGTH,
      }),
      alt: otherChatIdSchema().meta({
        param: {
          description:
            "The other id of the same person, when the message carried one (Baileys `key.remoteJidAlt`, Evolution " +
            "API `remoteJidAlt`, the Cloud API's `user_id` beside `wa_id`): a LID or BSUID for a phone-number " +
            "`chatId`, or the other way round. The first of `chatId`, `alt` whose conversation has a client " +
            "answers. Empty means none. Never with a group, broadcast or newsletter on either side (`Invalid alt`).",
        },
        example: "987654321098765@lid",
        type: "string",
        maxLength: CHAT_ID_MAX_LENGTH,
      }),
      include: includeQuerySchema(),
    })
    .superRefine(({ chatId, alt }, context) => {
      const error = altError(chatId, alt);
      if (error !== undefined) context.addIssue({ code: "custom", message: error, path: ["alt"] });
    }),
);

/**
 * The request headers a lookup reads, for the OpenAPI document only: the routes read them as
 * sent (an unknown `Cache-Control` directive, or a malformed bookmark, is ignored). No examples:
 * API references pre-fill them, and a copied request would then bypass every cache.
 */
export const lookupHeadersSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    "Cache-Control": z
      .string()
      .optional()
      .meta({
        param: {
          description:
            "`no-cache`: skip every cache tier and answer from a D1 read that started after the request arrived; " +
            "the caches are refreshed with it.",
        },
      }),
    "x-d1-bookmark": z
      .string()
      .optional()
      .meta({
        param: {
          description:
            "The bookmark a write answered: the read is at least that new, on any replica (with `no-cache`). " +
            "Ignored unless it has D1's format.",
        },
      }),
  }),
);

/** The most lookups one batch may carry. */
export const MAX_BATCH_ITEMS = 100;

const batchItemSchema = () =>
  z
    .strictObject({
      chatId: z
        .string()
        .nullable()
        .optional()
        .meta({ description: "As `chatId` of the single lookup.", example: "123456789@c.us" }),
      alt: z
        .string()
        .nullable()
        .optional()
        .meta({ description: "As `alt` of the single lookup.", example: "987654321098765@lid" }),
    })
    // Each item is checked as the single lookup checks its query: its 400 becomes its answer.
    .transform((item): BatchItem => {
      const chat = parseChatId(item.chatId ?? undefined);
      if (!chat.ok) return { error: chat.error };
      const alt = parseOtherChatId(item.alt);
      if (!alt.ok) return { error: alt.error };
      const error = altError(chat.chatId, alt.chatId);
      if (error !== undefined) return { error };
      return { query: { chatId: chat.chatId, alt: alt.chatId } };
    });

/** The body of `POST /api/clients/view/batch`: 1 to 100 lookups. */
export const batchBodySchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      lookups: z.array(batchItemSchema()).min(1).max(MAX_BATCH_ITEMS),
      include: z
        .array(z.enum(LOOKUP_INCLUDES))
        .optional()
        .meta({
          description:
            '`["session"]`: each record also carries its session\'s status, as `include=session` does.',
          example: ["session"],
        }),
    })
    .meta({ id: "BatchLookupBody" }),
);

/** The 200 body of the batch lookup: one result per lookup, in order. Only the OpenAPI document builds it. */
export const batchResponseSchema = /* @__PURE__ */ lazy(() => {
  const result = z
    .union([
      z.object({ record: clientSessionSchema() }),
      z.object({
        error: z.enum([
          ErrorMessage.chatIdRequired,
          ErrorMessage.chatIdInvalid,
          ErrorMessage.altInvalid,
          ErrorMessage.conversationNotFound,
          ErrorMessage.clientNotFound,
        ]),
      }),
    ])
    .meta({ id: "BatchLookupResult" });
  return z.object({ success: z.literal(true), results: z.array(result) }).meta({ id: "BatchLookupResponse" });
});
