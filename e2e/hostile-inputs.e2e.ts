/**
 * Hostile input over real HTTP: every answer is a 4xx with the contract's JSON error and the
 * headers every response carries, never a 5xx, and gives nothing away (no stack, SQL, table or
 * binding names, no token).
 */
import { describe, expect, inject, it } from "vitest";
import {
  type Answer,
  bearer,
  CHALLENGE,
  CHALLENGE_INVALID_TOKEN,
  type CONTRACT_ERRORS,
  expectError,
  expectNoLeak,
  looseUtf8,
  rawRequest,
  request,
  viewPath,
} from "./support.ts";

const tokens = inject("tokens");
const VIEW = "/api/clients/view";

type ErrorMessage = (typeof CONTRACT_ERRORS)[number];

/** A hostile answer: the expected 4xx error, never a 5xx, and no leak. */
function expectRefused(answer: Answer, status: number, message: ErrorMessage) {
  expect(answer.status, answer.text).toBeLessThan(500);
  expectNoLeak(answer);
  expectError(answer, status, message);
}

/**
 * The query value as a client would send it: percent-encoded, or, when the string cannot be
 * encoded (a lone surrogate makes encodeURIComponent throw), its raw bytes as they are.
 */
function queryValue(value: string): Buffer {
  try {
    return Buffer.from(encodeURIComponent(value), "latin1");
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    return looseUtf8(value);
  }
}

describe("Hostile chat ids", () => {
  it.each<[string, string, ErrorMessage]>([
    ["a chat id of 161 characters", viewPath(`${"1".repeat(156)}@c.us`), "Invalid chat ID"],
    ["a chat id of 10 kB", viewPath(`${"1".repeat(10_240 - 5)}@c.us`), "Invalid chat ID"],
    ["a NUL byte (%00)", `${VIEW}?chatId=123456789%00@c.us`, "Invalid chat ID"],
    ["a line feed (%0A)", `${VIEW}?chatId=123456789%0A@c.us`, "Invalid chat ID"],
    ["a unit separator (%1F)", `${VIEW}?chatId=123456789%1F@c.us`, "Invalid chat ID"],
    ["a DEL (%7F)", `${VIEW}?chatId=123456789%7F@c.us`, "Invalid chat ID"],
    ["a header injection (%0D%0A)", `${VIEW}?chatId=123456789@c.us%0D%0AX-Injected:%201`, "Invalid chat ID"],
    ["a dot", viewPath("."), "Invalid chat ID"],
    ["two dots", viewPath(".."), "Invalid chat ID"],
    ["a path traversal", `${VIEW}?chatId=../../etc/passwd`, "Invalid chat ID"],
    ["an encoded path traversal", viewPath("../../etc/passwd"), "Invalid chat ID"],
    ["a quoted SQL condition", viewPath("1' OR '1'='1@c.us"), "Invalid chat ID"],
    ["a DROP TABLE", viewPath('1";DROP TABLE clients;--@c.us'), "Invalid chat ID"],
    ["a LIKE wildcard", viewPath("%@c.us"), "Invalid chat ID"],
    ["a lone surrogate, percent-encoded (%ED%A0%80)", `${VIEW}?chatId=%ED%A0%80@c.us`, "Invalid chat ID"],
    ["an overlong UTF-8 slash (%C0%AF)", `${VIEW}?chatId=%C0%AF@c.us`, "Invalid chat ID"],
    ["full-width digits", viewPath("１２３@c.us"), "Invalid chat ID"],
    ["Arabic-Indic digits", viewPath("١٢٣@c.us"), "Invalid chat ID"],
    ["a line separator (U+2028)", viewPath("123456789\u2028@c.us"), "Invalid chat ID"],
    ["two different chatId parameters", `${VIEW}?chatId=a&chatId=b`, "Invalid chat ID"],
    ["chatId as an array parameter", `${VIEW}?chatId[]=123456789@c.us`, "Chat ID is required"],
    ["a percent sign alone", `${VIEW}?chatId=%`, "Invalid chat ID"],
    ["a truncated escape", `${VIEW}?chatId=123456789@c.us%2`, "Invalid chat ID"],
    ["a JSON object", viewPath('{"$ne":null}'), "Invalid chat ID"],
    ["a script tag", viewPath("<script>alert(1)</script>@c.us"), "Invalid chat ID"],
  ])("answers 400 to %s", async (_, path, message) => {
    expectRefused(await request(path, { headers: bearer(tokens.readWrite) }), 400, message);
  });

  /** `?chatId=` and a lone surrogate, sent as raw bytes since encodeURIComponent refuses it. */
  function loneSurrogateTarget(): Buffer {
    const chatId = "\uD800@c.us";
    expect(() => encodeURIComponent(chatId)).toThrow(URIError);
    const target = Buffer.concat([Buffer.from(`${VIEW}?chatId=`), queryValue(chatId)]);
    expect(target.includes(Buffer.from([0xed, 0xa0, 0x80]))).toBe(true);
    return target;
  }

  it("answers a 4xx, never a 5xx, to a raw lone surrogate sent as bytes", async () => {
    const answer = await rawRequest(loneSurrogateTarget(), [["Authorization", `Bearer ${tokens.readWrite}`]]);
    expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
    expect(answer.status, answer.text).toBeLessThan(500);
    expectNoLeak(answer);
  });

  // Known deviation from "every response is JSON": workerd itself refuses this request line with
  // `400 text/plain "invalid URI"` (no X-Request-Id, no Cache-Control) before the Worker runs.
  // When this test starts failing, the runtime lets the request through: make it a plain `it`.
  it.fails("answers a raw lone surrogate with the contract's JSON 400 (known deviation: workerd answers text/plain)", async () => {
    const answer = await rawRequest(loneSurrogateTarget(), [["Authorization", `Bearer ${tokens.readWrite}`]]);
    expectRefused(answer, 400, "Invalid chat ID");
  });

  it("answers 400 to raw UTF-8 bytes of full-width digits in the request line", async () => {
    const target = Buffer.concat([Buffer.from(`${VIEW}?chatId=`), Buffer.from("１２３@c.us", "utf8")]);
    const answer = await rawRequest(target, [["Authorization", `Bearer ${tokens.readWrite}`]]);
    expectRefused(answer, 400, "Invalid chat ID");
  });
});

describe("Hostile credentials", () => {
  it("ignores a token in the query string: 401 with a bare Bearer challenge", async () => {
    const token = tokens.readWrite;
    const answer = await request(
      `${viewPath("123456789@c.us")}&token=${token}&access_token=${token}&authorization=Bearer%20${token}`,
    );
    expectRefused(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("answers 401 with error=invalid_token to an 8 kB bearer token", async () => {
    const answer = await request(viewPath("123456789@c.us"), { headers: bearer("a".repeat(8 * 1024)) });
    expectRefused(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID_TOKEN);
  });

  it.each<[string, string]>([
    ["a valid token followed by a latin1 byte", `Bearer ${tokens.readWrite}\u00e9`],
    ["a token with a NUL-like escape", `Bearer ${tokens.readWrite}%00`],
    ["a token with quotes and a semicolon", `Bearer "';--`],
    ["two tokens", `Bearer ${tokens.readWrite} ${tokens.readWrite}`],
    ["two Bearer credentials", `Bearer ${tokens.readWrite}, Bearer ${tokens.readWrite}`],
    ["an upper-cased copy of a valid token", `Bearer ${tokens.readWrite.toUpperCase()}`],
  ])("answers 401 with error=invalid_token to %s", async (_, authorization) => {
    const answer = await request(viewPath("123456789@c.us"), { headers: { Authorization: authorization } });
    expectRefused(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID_TOKEN);
  });

  it.each<[string, Buffer]>([
    [
      "a valid token followed by a control character",
      Buffer.from(`Bearer ${tokens.readWrite}\u0001`, "latin1"),
    ],
    ["a valid token followed by a DEL", Buffer.from(`Bearer ${tokens.readWrite}\u007f`, "latin1")],
    ["a vertical tab before an unknown token", Buffer.from(`Bearer \u000bcsl_${"B".repeat(43)}`, "latin1")],
    ["raw UTF-8 bytes", Buffer.concat([Buffer.from("Bearer "), Buffer.from("токен", "utf8")])],
    ["invalid UTF-8 bytes", Buffer.concat([Buffer.from("Bearer csl_"), Buffer.from([0xff, 0xfe, 0xc0])])],
  ])(
    "answers 401 with error=invalid_token to a header sent byte for byte with %s",
    async (_, authorization) => {
      const answer = await rawRequest(viewPath("123456789@c.us"), [["Authorization", authorization]]);
      expectRefused(answer, 401, "Unauthorized");
      expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID_TOKEN);
    },
  );

  it.each<[string, string]>([
    ["no scheme", tokens.readWrite],
    ["a Basic scheme carrying the token", `Basic ${tokens.readWrite}`],
    ["a scheme that only starts with Bearer", `Bearerx ${tokens.readWrite}`],
  ])("answers 401 to an Authorization header with %s", async (_, authorization) => {
    const answer = await request(viewPath("123456789@c.us"), { headers: { Authorization: authorization } });
    expectRefused(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer realm="clients-api"/);
  });
});

describe("Hostile headers around a valid request", () => {
  it.each<[string, string]>([
    ["a script tag", "<script>"],
    ["a CRLF-free injection attempt", "abc;X-Injected: 1"],
    ["300 characters", "a".repeat(300)],
    ["non-ASCII latin1", "r\u00e9quest"],
  ])("replaces an X-Request-Id with %s by a fresh one", async (_, requestId) => {
    const answer = await request(viewPath("123456789@c.us"), {
      headers: { ...bearer(tokens.readWrite), "X-Request-Id": requestId },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-request-id")).not.toBe(requestId);
    expect(answer.headers.get("x-request-id")).toMatch(/^[\w\-=]{1,255}$/);
    expect(answer.headers.get("x-injected")).toBeNull();
  });

  it("answers 400 to a hostile chat id even with odd Accept, Content-Type and Cache-Control headers", async () => {
    const answer = await request(viewPath("1' OR 1=1 --"), {
      headers: {
        ...bearer(tokens.readWrite),
        Accept: "text/html, */*;q=0.1, \u00ff",
        "Content-Type": "application/x-www-form-urlencoded; charset=\u00e9",
        "Cache-Control": "no-cache, max-age=-1",
        "X-Forwarded-For": "127.0.0.1, ' OR 1=1",
      },
    });
    expectRefused(answer, 400, "Invalid chat ID");
  });
});
