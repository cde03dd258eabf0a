/**
 * The batch lookup over real HTTP: a burst of chats in one request, each answered as alone.
 */
import { describe, expect, inject, it } from "vitest";
import { bearer, expectEveryResponseHeaders, request } from "./support.ts";

const tokens = inject("tokens");

function batch(lookups: unknown, token = tokens.readWrite) {
  return request("/api/clients/view/batch", {
    method: "POST",
    headers: { ...bearer(token), "Content-Type": "application/json" },
    body: JSON.stringify({ lookups }),
  });
}

describe("POST /api/clients/view/batch", () => {
  it("answers the demo chats, an unknown one and an invalid one, in order", async () => {
    const response = await batch([
      { chatId: "123456789@c.us" },
      { chatId: "123456789:7@s.whatsapp.net" },
      { chatId: "555000111@c.us" },
      { chatId: "999999999999@c.us" },
      { chatId: "hello" },
      { chatId: "" },
    ]);
    expect(response.status).toBe(200);
    expectEveryResponseHeaders(response);
    const record = { id: "abc123", session_id: "xyz789" };
    expect(response.json).toEqual({
      success: true,
      results: [
        { record },
        { record },
        { error: "Client not found" },
        { error: "Conversation not found" },
        { error: "Invalid chat ID" },
        { error: "Chat ID is required" },
      ],
    });
  });

  it("answers 100 lookups, and a session-limited token only its session's", async () => {
    const lookups = Array.from({ length: 100 }, (_, i) => ({
      chatId: i % 2 === 0 ? "123456789@c.us" : `7${i}0000@lid`,
    }));
    const open = await batch(lookups);
    expect((open.json as { results: unknown[] }).results).toHaveLength(100);
    const hidden = await batch([{ chatId: "123456789@c.us" }], tokens.otherSession);
    expect(hidden.json).toEqual({ success: true, results: [{ error: "Conversation not found" }] });
  });

  it("answers 400 for 101 lookups", async () => {
    const response = await batch(Array.from({ length: 101 }, () => ({ chatId: "123456789@c.us" })));
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: "Invalid request body" });
  });
});
