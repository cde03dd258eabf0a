/**
 * The client package lists the service's error messages on its own (it cannot import the
 * Worker's code): this keeps the two lists equal, as values and as types.
 */
import { ERROR_MESSAGES, type ErrorMessage as PackageMessage } from "chat-session-lookup-client";
import { describe, expect, expectTypeOf, it } from "vitest";
import { ErrorMessage } from "../../src/errors";

describe("the client package's error messages", () => {
  it("are exactly the service's, each once", () => {
    expect([...ERROR_MESSAGES].sort()).toEqual(Object.values(ErrorMessage).sort());
    expect(new Set(ERROR_MESSAGES).size).toBe(ERROR_MESSAGES.length);
  });

  it("have exactly the service's message type", () => {
    expectTypeOf<PackageMessage>().toEqualTypeOf<ErrorMessage>();
  });
});
