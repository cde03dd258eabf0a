/** NDJSON import lines: one JSON object a line. */

const SHOWN_MESSAGE_LENGTH = 80;

/** The fields of one line, or why it has none. */
export function parseNdjsonLine(text: string): { fields: Record<string, unknown> } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reason: `not valid JSON (${message.slice(0, SHOWN_MESSAGE_LENGTH)})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { reason: 'not a JSON object: a line is one conversation, {"chat_id":…,"client_id":…}' };
  }
  return { fields: value as Record<string, unknown> };
}
