/**
 * CSV import files (RFC 4180): a header naming the columns `chat_id,client_id,session_id,aliases`
 * (in any order; `aliases` may be left out), then one conversation a record. Fields may be quoted,
 * with `""` for a quote, and a quoted field may hold commas and line breaks. An empty `client_id`
 * is null, an empty `session_id` absent; `aliases` are separated by white space.
 */
import { FIELDS } from "./records.ts";

const REQUIRED = ["chat_id", "client_id", "session_id"] as const;

/** What a line gave: nothing yet (a record goes on), a record's fields, or a problem. */
export type CsvOutcome =
  | { kind: "none" }
  | { kind: "record"; line: number; fields: Record<string, unknown> }
  | { kind: "problem"; line: number; reason: string };

const NONE: CsvOutcome = { kind: "none" };

/** The longest record (its lines together) read: no conversation is near as long. */
const MAX_RECORD_LENGTH = 1 << 20;

export class CsvReader {
  #columns: string[] | undefined;
  #broken = false;
  // The record being read: its first line, fields so far, the field being read.
  #start = 0;
  #fields: string[] = [];
  #field = "";
  #quoted = false;
  #inQuotes = false;
  #recordLength = 0;

  /** Reads the next line of the file. */
  push(line: number, text: string): CsvOutcome {
    if (this.#broken) return NONE;
    if (!this.#inQuotes) {
      if (text === "") return NONE;
      this.#recordLength = 0;
      this.#start = line;
      this.#fields = [];
      this.#field = "";
      this.#quoted = false;
    } else {
      this.#field += "\n";
    }
    const reason = this.#scan(text);
    if (reason !== undefined) {
      this.#inQuotes = false;
      return { kind: "problem", line: this.#start, reason };
    }
    if (this.#inQuotes) {
      this.#recordLength += text.length + 1;
      if (this.#recordLength <= MAX_RECORD_LENGTH) return NONE;
      // Nothing after an unclosed quote can be read as meant: the rest of the file is not read.
      this.#broken = true;
      this.#inQuotes = false;
      return {
        kind: "problem",
        line: this.#start,
        reason: `a quoted field runs over ${MAX_RECORD_LENGTH.toLocaleString("en-US")} characters: a quote is never closed`,
      };
    }
    this.#fields.push(this.#field);
    return this.#complete();
  }

  /** The end of the file: a quoted field still open is a problem. */
  end(): CsvOutcome {
    if (!this.#inQuotes) return NONE;
    this.#inQuotes = false;
    return { kind: "problem", line: this.#start, reason: "a quoted field is never closed" };
  }

  /** Reads `text` into the record; a reason when it breaks the quoting rules. */
  #scan(text: string): string | undefined {
    let i = 0;
    while (i < text.length) {
      if (this.#inQuotes) {
        const quote = text.indexOf('"', i);
        if (quote === -1) {
          this.#field += text.slice(i);
          return undefined;
        }
        this.#field += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          this.#field += '"';
          i = quote + 2;
          continue;
        }
        this.#inQuotes = false;
        i = quote + 1;
        if (i < text.length && text[i] !== ",")
          return "a quoted field must end at a comma or the end of the line";
        continue;
      }
      const char = text[i];
      if (char === ",") {
        this.#fields.push(this.#field);
        this.#field = "";
        this.#quoted = false;
        i++;
      } else if (char === '"') {
        if (this.#field !== "" || this.#quoted) return "a quote inside a field that is not quoted";
        this.#inQuotes = true;
        this.#quoted = true;
        i++;
      } else {
        const stop = nextSpecial(text, i);
        this.#field += text.slice(i, stop);
        i = stop;
      }
    }
    return undefined;
  }

  #complete(): CsvOutcome {
    const fields = this.#fields;
    const columns = this.#columns;
    if (columns === undefined) return this.#header(fields);
    if (fields.length !== columns.length) {
      return {
        kind: "problem",
        line: this.#start,
        reason: `${fields.length} field${fields.length === 1 ? "" : "s"}, where the header names ${columns.length} (${columns.join(",")})`,
      };
    }
    const record: Record<string, unknown> = {};
    for (const [i, column] of columns.entries()) {
      const value = fields[i] ?? "";
      if (column === "aliases") record.aliases = value.split(/\s+/).filter((alias) => alias !== "");
      else if (column === "client_id") record.client_id = value === "" ? null : value;
      else if (column !== "session_id" || value !== "") record[column] = value;
    }
    return { kind: "record", line: this.#start, fields: record };
  }

  #header(fields: string[]): CsvOutcome {
    const names = fields.map((field) => field.trim());
    const unknown = names.find((name) => !(FIELDS as readonly string[]).includes(name));
    const missing = REQUIRED.filter((name) => !names.includes(name));
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (unknown === undefined && missing.length === 0 && repeated === undefined) {
      this.#columns = names;
      return NONE;
    }
    this.#broken = true;
    return {
      kind: "problem",
      line: this.#start,
      reason: `the header must name the columns ${FIELDS.join(",")} (aliases may be left out), not ${JSON.stringify(names.join(","))}`,
    };
  }
}

function nextSpecial(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === "," || char === '"') return i;
  }
  return text.length;
}
