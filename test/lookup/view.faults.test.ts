import { beforeAll, describe, expect, it } from "vitest";
import {
  captureLogs,
  hangD1,
  lookup,
  lookupRequest,
  ManualClock,
  seedLinkedChat,
  seedToken,
  useWorker,
  watchD1,
} from "../helpers";

let token: string;
beforeAll(async () => {
  token = await seedToken();
});

describe("storage faults during a lookup", () => {
  it("answers 500 with nothing internal in the body when D1 throws, and logs it without the chat id", async () => {
    const { chatId } = await seedLinkedChat();
    watchD1({
      table: "conversation",
      behaviour: () => Promise.reject(new Error("D1_ERROR: no such table: conversation: SQLITE_ERROR")),
    });
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(500);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(await response.text()).toBe('{"error":"Internal Server Error"}');
    expect(logs).toContain('"event":"request.failed"');
    expect(logs).toContain("no such table");
    expect(logs).not.toContain(chatId.split("@")[0]);
    expect(logs).not.toContain(token);
  });

  it("answers 408 Request timeout at LOOKUP_TIMEOUT_MS when D1 hangs", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const { chatId } = await seedLinkedChat();
    const hang = hangD1("conversation");
    const sent = api.send(...lookupRequest(chatId, token));
    let answered = false;
    void sent.response.then(() => {
      answered = true;
    });
    await hang.reached;
    await clock.advance(4999);
    expect(answered).toBe(false);
    await clock.advance(1);
    const response = await sent.response;
    expect(response.status).toBe(408);
    expect(await response.json()).toEqual({ error: "Request timeout" });
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("answers 408 when D1 hangs while checking a token", async () => {
    const { chatId } = await seedLinkedChat();
    const unseen = await seedToken();
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const hang = hangD1("api_tokens");
    const sent = api.send(...lookupRequest(chatId, unseen));
    await hang.reached;
    await clock.advance(5000);
    const response = await sent.response;
    expect(response.status).toBe(408);
    expect(await response.json()).toEqual({ error: "Request timeout" });
  });

  it("answers 500 when D1 throws while checking a token, without the token in the body or logs", async () => {
    const { chatId } = await seedLinkedChat();
    const unseen = await seedToken();
    watchD1({
      table: "api_tokens",
      behaviour: () => Promise.reject(new Error("D1_ERROR: some failure")),
    });
    const { result: response, logs } = await captureLogs(() => lookup(chatId, unseen));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "Internal Server Error" });
    expect(logs).not.toContain(unseen);
  });
});
