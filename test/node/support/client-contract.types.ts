/**
 * Type-level comparison of the client package with the types openapi-typescript generates from
 * the OpenAPI document (test/node/client-contract.node.test.ts writes the program that uses
 * these). Types only: that program has no Node types.
 */
import type { LookupClient } from "../../../packages/client/src/client.ts";
import type { ErrorBody, Operations } from "../../../packages/client/src/operations.ts";

/** `T` with intersections flattened and `readonly` dropped at every depth: equal shapes, however written. */
type Normal<T> = T extends readonly (infer Item)[]
  ? Normal<Item>[]
  : T extends object
    ? { -readonly [K in keyof T]: Normal<T[K]> }
    : T;

/**
 * Whether `A` and `B` are the same type. Stricter than assigning both ways, which an optional
 * field more or less passes.
 */
export type Same<A, B> =
  (<T>() => T extends Normal<A> ? 1 : 2) extends <T>() => T extends Normal<B> ? 1 : 2 ? true : false;

/** What a part of an operation is named in the client's wire types (packages/client/src/operations.ts). */
export type Part = "path" | "query" | "headers" | "body" | "answer" | "error";

type Parameters<Op, In extends string> = Op extends { parameters: infer Each }
  ? In extends keyof Each
    ? NonNullable<Each[In]>
    : never
  : never;

type Json<Response> = Response extends { content: { "application/json": infer Body } } ? Body : never;

type SuccessStatus = 200 | 201 | 202 | 204;

type Responses<Op> = Op extends { responses: infer Each } ? Each : never;

/** An operation of openapi-typescript's `operations`, as the parts the client's wire types have. */
type DocumentParts<Op> = {
  path: Parameters<Op, "path">;
  query: Parameters<Op, "query">;
  headers: Parameters<Op, "header">;
  body: Op extends { requestBody?: infer Body } ? Json<NonNullable<Body>> : never;
  answer: Json<Responses<Op>[Extract<keyof Responses<Op>, SuccessStatus>]>;
  error: Json<Responses<Op>[Exclude<keyof Responses<Op>, SuccessStatus>]>;
};

/** The client's wire type of an operation, as the same parts; an absent part is `never`. */
type ClientParts<Entry> = {
  [Name in Exclude<Part, "error">]: Name extends keyof Entry ? Entry[Name] : never;
} & { error: ErrorBody };

/** Whether the client's wire types have an entry for operation `Id`. */
export type HasWireType<Id extends string> = Id extends keyof Operations ? true : false;

/** Whether the client has a method for operation `Id`. */
export type HasMethod<Id extends string> = Id extends keyof LookupClient ? true : false;

/**
 * Whether the client's wire type of operation `Id` agrees with the document's `Op` on `Name`;
 * `true` when the client has no such entry (`HasWireType` says so once).
 */
export type Agrees<Id extends string, Op, Name extends Part> = Id extends keyof Operations
  ? Same<ClientParts<Operations[Id]>[Name], DocumentParts<Op>[Name]>
  : true;
