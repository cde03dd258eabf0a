/**
 * What a cold start builds. Building zod schemas was most of the Worker's startup CPU, so each
 * route builds its request schemas at its first request instead: an isolate that serves only
 * lookups never builds the writes'. (The bundle's size is guarded by e2e/bundle-size.e2e.ts.)
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { lookup, request, seedLinkedChat, seedToken, uniqueId, write } from "./helpers";

// Schemas with an OpenAPI name are registered by name when zod builds them.
const BODY_SCHEMAS = ["BatchLookupBody", "PutClientBody", "PutConversationBody"];
const built = () => BODY_SCHEMAS.filter((name) => z.globalRegistry._idmap.has(name));

describe("a cold start", () => {
  it("builds no request schema; a route's first request builds its own and no other's", async () => {
    // Importing the helpers imported the Worker: its startup has run.
    expect(built()).toEqual([]);

    const { chatId, record } = await seedLinkedChat();
    const reader = await seedToken();
    const answer = await lookup(chatId, reader);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ success: true, record });
    expect(built()).toEqual([]);

    const writer = await seedToken({ scopes: ["clients:write"] });
    const put = await write("PUT", `/api/clients/${uniqueId("client")}`, writer, { session_id: "s1" });
    expect(put.status).toBe(200);
    expect(built()).toEqual(["PutClientBody"]);

    const invalid = await write("PUT", `/api/clients/${uniqueId("client")}`, writer, { session: "s1" });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "Invalid request body" });
    expect((await request("/health")).status).toBe(200);
  });
});
