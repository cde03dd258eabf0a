/**
 * Free text the service stores (a session id, a client's name): what D1 would keep as given.
 */
import * as z from "zod";
import { CONTROL_CHARACTERS } from "./chat-id";

// A lone UTF-16 surrogate has no UTF-8 form: D1 would store U+FFFD in its place.
const LONE_SURROGATE = /\p{Cs}/u;

/** A text field of at most `max` characters that is stored exactly as given. */
export function storedText(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: "must not contain control characters" })
    .refine((value) => !LONE_SURROGATE.test(value), {
      message: "must be well-formed Unicode (no lone surrogates)",
    });
}
