/**
 * Routes, each declared once: method, path, scope, request schemas, documented responses and
 * handler in one {@link defineRoute} call. {@link mountRoutes} mounts a list of them, deriving
 * what the list implies: each path's `405` with its `Allow`, the storage deadline, token check
 * and rate limit from the scope, the body limit and JSON checks from the body. The OpenAPI
 * document is built from the same list ahead of time (scripts/lib/openapi-document.ts), so the
 * document generator never reaches the Worker's bundle.
 *
 * Request schemas are factories, called by the route's first request: a cold start builds none,
 * and an instance that serves only lookups never builds the writes'.
 */
import { zValidator } from "@hono/zod-validator";
import type { Context, Hono, MiddlewareHandler } from "hono";
import type * as z from "zod";
import type { $ZodError } from "zod/v4/core";
import type { TokenScope } from "./db/schema";
import { ApiError, ErrorMessage, invalidBody } from "./errors";
import { lazy } from "./lib/lazy";
import { allowMethods } from "./middleware/allow-methods";
import { requireScope } from "./middleware/auth";
import { limitBodyTo } from "./middleware/body-limit";
import { startDeadline } from "./middleware/deadline";
import { requireJsonBody } from "./middleware/json-body";
import { limitPerToken, type RateLimiterName } from "./middleware/rate-limit";
import type { AppEnv } from "./request-context";

type Method = "get" | "post" | "put" | "delete";
type SchemaFactory = () => z.ZodType;

/** A documented response, as the OpenAPI document shows it (see src/openapi.ts for helpers). */
export interface ResponseDoc {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}

/** A route's request: each part's schema as a factory, built by the route's first request. */
export interface RequestSpec {
  query?: SchemaFactory;
  params?: SchemaFactory;
  /** Documented only: the handlers read headers as sent. */
  headers?: SchemaFactory;
  /**
   * A JSON body: declared as `application/json` in UTF-8, at most `maxBytes` (else 413), then
   * validated. With `raw`, the handler reads it itself (a webhook: a larger body is ignored, a
   * signature is checked over its bytes); `schema` then only documents it.
   */
  body?: { schema: SchemaFactory; maxBytes: number; raw?: boolean };
}

/** What the OpenAPI document says of a route, beyond what its definition implies. */
export interface RouteDocs {
  tags: string[];
  summary: string;
  description?: string;
  /** An example of the JSON body, when the route takes one. */
  bodyExample?: unknown;
  /** The route's own responses; the ones its scope and body imply are added by the document. */
  responses: Record<number, ResponseDoc>;
}

/** Everything about a route but its handler. */
export interface RouteSpec<Path extends string = string, Request extends RequestSpec = RequestSpec> {
  operationId: string;
  method: Method;
  /** The full path, OpenAPI style: `/api/clients/{id}`. */
  path: Path;
  /** The scope a bearer token needs; `null`: a public route. */
  scope: TokenScope | null;
  /**
   * Whether a session-limited token may call it with a managing scope (`clients:write`): the
   * handler then narrows what it shows to the token's sessions. Managing writes refuse them.
   */
  sessionLimitedTokens?: boolean;
  request?: Request;
  /**
   * Budgets of their own, beyond the one every request of a token counts against: a limiter and
   * which requests it counts (default all).
   */
  limits?: readonly {
    limiter: RateLimiterName;
    applies?: (c: Context<AppEnv>) => boolean;
    description: string;
  }[];
  /**
   * Its documentation, written as `WITH_DOCS && {…}` (src/with-docs.d.ts), so that only the
   * OpenAPI document's build carries it. Absent: a route left out of the document (the document
   * and the pages themselves).
   */
  docs?: RouteDocs | false;
}

type Output<F> = F extends SchemaFactory ? z.output<ReturnType<F>> : never;

/** Each validation target of Hono, and the schema a route gives it. */
type SchemaOf<Request extends RequestSpec> = {
  query: Request["query"];
  param: Request["params"];
  json: Request["body"] extends { raw: true }
    ? undefined
    : Request["body"] extends { schema: infer Schema }
      ? Schema
      : undefined;
};

/** What `c.req.valid(…)` answers in a handler, from the route's schemas. */
type ValidatedInput<Request extends RequestSpec> = {
  out: {
    [Target in keyof SchemaOf<Request> as SchemaOf<Request>[Target] extends SchemaFactory
      ? Target
      : never]: Output<SchemaOf<Request>[Target]>;
  };
};

/** `/{id}` (OpenAPI) as Hono routes it: `/:id`. */
type RoutingPath<Path extends string> = Path extends `${infer Head}{${infer Name}}${infer Tail}`
  ? `${Head}:${Name}${RoutingPath<Tail>}`
  : Path;

export type RouteHandler<Path extends string, Request extends RequestSpec> = (
  c: Context<AppEnv, RoutingPath<Path>, ValidatedInput<Request>>,
) => Response | Promise<Response>;

/** A route: its definition and what runs for it. */
export interface Route {
  spec: RouteSpec;
  handler: MiddlewareHandler<AppEnv>;
}

/**
 * Declares a route. Mounted by listing it in src/routes.ts; nothing else needs to learn that it
 * exists.
 *
 * @example
 * export const getHealth = defineRoute(
 *   { operationId: "getHealth", method: "get", path: "/health", scope: null, … },
 *   (c) => c.json({ status: "ok" }, 200),
 * );
 */
export function defineRoute<const Path extends string, const Request extends RequestSpec = RequestSpec>(
  spec: RouteSpec<Path, Request>,
  handler: RouteHandler<Path, Request>,
): Route {
  return { spec: spec as RouteSpec, handler: handler as unknown as MiddlewareHandler<AppEnv> };
}

const CONTRACT_MESSAGES = new Set<string>(Object.values(ErrorMessage));

/**
 * Turns a failed validation into the contract's 400. Body failures answer
 * `{"error":"Invalid request body","details":[…]}`; query and path failures answer the message
 * their schema chose ("Chat ID is required", "Invalid chat ID"), and a query that chose none
 * `{"error":"Invalid query","details":[…]}`.
 */
function validationError(target: string, error: $ZodError): ApiError {
  if (target === "json") return invalidBody(error.issues);
  const message = error.issues.find((issue) => CONTRACT_MESSAGES.has(issue.message))?.message;
  if (message !== undefined) return new ApiError(400, message as ErrorMessage);
  if (target === "query") {
    const details = error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
    return new ApiError(400, ErrorMessage.invalidQuery, { details: { details } });
  }
  return new ApiError(400, ErrorMessage.invalidBody);
}

function validationHook(
  result: { target: string } & ({ success: true } | { success: false; error: $ZodError }),
) {
  if (!result.success) throw validationError(result.target, result.error);
}

/** A validator whose schema is built by the route's first request. */
function validatorOf(target: "query" | "param" | "json", schemaOf: SchemaFactory): MiddlewareHandler<AppEnv> {
  const validator = /* @__PURE__ */ lazy(
    () => zValidator(target, schemaOf(), validationHook) as MiddlewareHandler<AppEnv>,
  );
  return (c, next) => validator()(c, next);
}

/**
 * The storage deadline, authentication, scope and rate limit; then the body's limits; then
 * validation, in that order.
 */
function middlewareOf(spec: RouteSpec): MiddlewareHandler<AppEnv>[] {
  const chain: MiddlewareHandler<AppEnv>[] = [];
  // A route behind a token touches storage from its token check on.
  if (spec.scope !== null) {
    chain.push(startDeadline);
    chain.push(requireScope(spec.scope, { sessionLimitedTokens: spec.sessionLimitedTokens ?? false }));
    chain.push(limitPerToken("RATE_LIMITER"));
  }
  for (const { limiter, applies } of spec.limits ?? []) chain.push(limitPerToken(limiter, applies));
  const { query, params } = spec.request ?? {};
  const body = spec.request?.body?.raw === true ? undefined : spec.request?.body;
  if (body !== undefined) chain.push(limitBodyTo(body.maxBytes));
  if (query !== undefined) chain.push(validatorOf("query", query));
  if (params !== undefined) chain.push(validatorOf("param", params));
  if (body !== undefined) chain.push(requireJsonBody, validatorOf("json", body.schema));
  return chain;
}

function routingPath(path: string): string {
  return path.replaceAll(/\{([^}]+)\}/g, ":$1");
}

/** Sorts literal segments before parameters, so that `/api/clients/view` wins over `/api/clients/{id}`. */
function bySpecificity(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const leftParam = left[index]?.startsWith("{") ?? false;
    const rightParam = right[index]?.startsWith("{") ?? false;
    if (leftParam !== rightParam) return leftParam ? 1 : -1;
  }
  return 0;
}

/** The methods each path answers, in upper case, as `Allow` lists them. */
export function allowedMethods(routes: readonly Route[]): Map<string, string[]> {
  const methods = new Map<string, string[]>();
  for (const { spec } of routes) {
    const list = methods.get(spec.path) ?? [];
    list.push(spec.method.toUpperCase());
    methods.set(spec.path, list);
  }
  return methods;
}

/**
 * Mounts `routes` on `app`: per path, most specific first, a 405 for the methods it does not
 * answer, then each of its routes with the middleware its definition implies.
 */
export function mountRoutes(app: Hono<AppEnv>, routes: readonly Route[]): void {
  const allowed = allowedMethods(routes);
  for (const path of [...allowed.keys()].sort(bySpecificity)) {
    app.all(routingPath(path), allowMethods(...(allowed.get(path) ?? [])));
    for (const route of routes) {
      if (route.spec.path !== path) continue;
      const [first = route.handler, ...rest] = [...middlewareOf(route.spec), route.handler];
      app.on(route.spec.method.toUpperCase(), routingPath(path), first, ...rest);
    }
  }
}
