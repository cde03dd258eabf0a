/**
 * The client package against the service's OpenAPI document (public/openapi.json, what
 * `/openapi.json` serves): a method, a route and a wire type for each of its operations, each
 * wire type the one openapi-typescript generates from the document (support/client-contract.ts),
 * and the results the client answers made of those wire types. A route or a field added to the
 * service and not to the client fails here.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type ClientFields, createClient, MAX_BATCH_LOOKUPS } from "../../packages/client/src/client.ts";
import type {
  ClientRecord,
  ConversationRecord,
  ErrorBody,
  ErrorDetail,
  Operations,
} from "../../packages/client/src/operations.ts";
import { ROUTES } from "../../packages/client/src/operations.ts";
import type { Conversation, Failure, SessionFound } from "../../packages/client/src/results.ts";
import { disagreements, type OpenApiDocument, operationsOf } from "./support/client-contract.ts";

const DOCUMENT = new URL("../../public/openapi.json", import.meta.url);

async function readDocument(): Promise<OpenApiDocument> {
  return JSON.parse(await readFile(DOCUMENT, "utf8"));
}

describe("the client package against the OpenAPI document", () => {
  it("has a method for each operation, named by its operationId, and no other", async () => {
    const ids = operationsOf(await readDocument()).map(({ id }) => id);
    const client = createClient({ baseUrl: "https://lookup.example", token: "t" });
    expect(Object.keys(client).sort()).toEqual([...ids].sort());
  });

  it("sends each operation with the document's method and path", async () => {
    const routes = operationsOf(await readDocument()).map(({ id, method, path }) => [id, { method, path }]);
    expect(ROUTES).toEqual(Object.fromEntries(routes));
  });

  it("has each operation's wire types exactly as the document's generated types", async () => {
    // Each line says which operation and part: see packages/client/src/operations.ts.
    expect(await disagreements(await readDocument())).toEqual([]);
  });

  it("holds a batch to the document's bound", async () => {
    const document = JSON.parse(await readFile(DOCUMENT, "utf8"));
    const batch =
      document.paths["/api/clients/view/batch"].post.requestBody.content["application/json"].schema;
    const body = batch.$ref === undefined ? batch : document.components.schemas[batch.$ref.split("/").at(-1)];
    expect(body.properties.lookups.maxItems).toBe(MAX_BATCH_LOOKUPS);
  });
});

describe("the comparison", () => {
  it("names each operation and part that differs: a new operation, field or parameter", async () => {
    const document = await readDocument();
    const [first, withQuery, withBody] = [
      findOperation(document, () => true),
      findOperation(document, (operation) => operation.parameters?.some((p) => p.in === "query") === true),
      findOperation(document, (operation) => operation.requestBody !== undefined),
    ];
    const changed = structuredClone(document) as MutableDocument;
    const at = (found: Found) => changed.paths[found.path]?.[found.method.toLowerCase()] as MutableOperation;

    // A new route, and optional fields more (which assigning both ways would let pass): in an
    // answer, in the query, in a body.
    changed.paths["/api/widgets"] = {
      get: { operationId: "listWidgets", responses: { 200: { description: "Widgets." } } },
    };
    const ok = at(first).responses[200]?.content?.["application/json"];
    if (ok === undefined) throw new Error(`${first.id} answers no JSON`);
    ok.schema = { allOf: [ok.schema, { type: "object", properties: { extra: { type: "string" } } }] };
    at(withQuery).parameters?.push({
      name: "page",
      in: "query",
      required: false,
      schema: { type: "string" },
    });
    const body = at(withBody).requestBody?.content["application/json"];
    if (body === undefined) throw new Error(`${withBody.id} takes no JSON`);
    body.schema = { allOf: [body.schema, { type: "object", properties: { note: { type: "string" } } }] };

    expect((await disagreements(changed)).sort()).toEqual(
      [
        "listWidgets: no wire type in packages/client/src/operations.ts",
        "listWidgets: no method in LookupClient",
        `${first.id}: answer differs`,
        `${withQuery.id}: query differs`,
        `${withBody.id}: body differs`,
      ].sort(),
    );
  });
});

describe("the client's results", () => {
  it("carry each field of the wire types, under its camelCase name", () => {
    // The type-check (`npm run typecheck`) fails these, not vitest: a field added to a wire type
    // must reach the result too.
    expectTypeOf<Omit<SessionFound, "ok">>().toEqualTypeOf<Renamed<ClientRecord, { id: "clientId" }>>();
    expectTypeOf<Conversation>().toEqualTypeOf<Renamed<ConversationRecord>>();
    expectTypeOf<ClientFields>().toEqualTypeOf<Renamed<Operations["putClient"]["body"]>>();
    expectTypeOf<{ clientId: string | null }>().toEqualTypeOf<
      Renamed<Operations["putConversation"]["body"]>
    >();
    expectTypeOf<ErrorBody["error"]>().toExtend<Failure["error"]>();
    expectTypeOf<NonNullable<Failure["details"]>>().toEqualTypeOf<ErrorDetail[]>();
    expectTypeOf<NonNullable<ErrorBody["details"]>>().toEqualTypeOf<ErrorDetail[]>();
  });
});

/** `snake_case` as `camelCase`. */
type CamelCase<Name extends string> = Name extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : Name;

/** `T` with its fields renamed: as `Names` says, else in camelCase. */
type Renamed<T, Names extends Record<string, string> = Record<never, string>> = {
  [K in keyof T as K extends keyof Names ? Names[K] : CamelCase<K & string>]: T[K];
};

interface MutableOperation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<number, { description: string; content?: Record<string, { schema: unknown }> }>;
}

interface MutableDocument extends OpenApiDocument {
  paths: Record<string, Record<string, MutableOperation>>;
}

type Found = ReturnType<typeof operationsOf>[number];

/** The first operation of `document` that `test` accepts. */
function findOperation(document: OpenApiDocument, test: (operation: MutableOperation) => boolean): Found {
  const found = operationsOf(document).find(({ method, path }) =>
    test((document as MutableDocument).paths[path]?.[method.toLowerCase()] as MutableOperation),
  );
  if (found === undefined) throw new Error("no such operation in the document");
  return found;
}
