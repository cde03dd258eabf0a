/**
 * Routers whose routes validate through the one hook, so that every 400 has the contract's shape.
 *
 * A route is declared once, as an OpenAPI route definition with zod schemas (`defineRoute`), and
 * mounted with `router.openapi(route, handler)`, its request schemas in getters, built by the route's
 * first request. The Worker only validates with those schemas:
 * the OpenAPI document is built from the same definitions ahead of time (src/openapi-document.ts),
 * which keeps the document generator and zod's locales and JSON Schema code out of every cold start.
 */
import type {
  RouteConfig,
  RouteConfigToEnv,
  RouteConfigToTypedResponse,
  RouteHandler,
} from "@hono/zod-openapi";
import { zValidator } from "@hono/zod-validator";
import { type Context, type Env, Hono, type Schema, type ToSchema } from "hono";
import type { BlankSchema, H, MergePath, MergeSchemaPath } from "hono/types";
import { mergePath } from "hono/utils/url";
import type { ZodType } from "zod";
import type { $ZodError } from "zod/v4/core";
import { ApiError, ErrorMessage } from "./errors";
import { lazy } from "./lib/lazy";
import { requireJsonBody } from "./middleware/json-body";
import type { AppEnv } from "./request-context";

const CONTRACT_MESSAGES = new Set<string>(Object.values(ErrorMessage));

/**
 * Turns a failed validation into the contract's 400. Body failures answer
 * `{"error":"Invalid request body","details":[…]}`; query and path failures answer the message
 * their schema chose ("Chat ID is required", "Invalid chat ID").
 */
function validationError(target: string, error: $ZodError): ApiError {
  if (target === "json") {
    const details = error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    return new ApiError(400, ErrorMessage.invalidBody, { details: { details } });
  }
  const message = error.issues.find((issue) => CONTRACT_MESSAGES.has(issue.message))?.message;
  return new ApiError(400, (message as ErrorMessage | undefined) ?? ErrorMessage.invalidBody);
}

function validationHook(
  result: { target: string } & ({ success: true } | { success: false; error: $ZodError }),
) {
  if (!result.success) throw validationError(result.target, result.error);
}

/** `/{id}` (OpenAPI) as Hono routes it: `/:id`. */
type RoutingPath<Path extends string> = Path extends `${infer Head}{${infer Name}}${infer Tail}`
  ? `${Head}:${Name}${RoutingPath<Tail>}`
  : Path;

function routingPath<Path extends string>(path: Path): RoutingPath<Path> {
  return path.replaceAll(/\{([^}]+)\}/g, ":$1") as RoutingPath<Path>;
}

/** What a route's handler receives as validated input, as the OpenAPI route types compute it. */
type RouteInput<R extends RouteConfig> =
  Parameters<RouteHandler<R>>[0] extends Context<infer _E, infer _P, infer I> ? I : never;

/** The schema of a router after `openapi(route, …)`. */
type WithRoute<S extends Schema, BasePath extends string, R extends RouteConfig> = S &
  ToSchema<
    R["method"],
    MergePath<BasePath, RoutingPath<R["path"]>>,
    RouteInput<R>,
    RouteConfigToTypedResponse<R>
  >;

function isZodSchema(value: unknown): value is ZodType {
  return typeof value === "object" && value !== null && "safeParseAsync" in value;
}

/**
 * A validator whose schema is read, and so built, by the route's first request: a cold start
 * builds no schema, and one that serves only lookups never builds the writes'.
 */
function validatorOf(target: "query" | "param" | "json", schemaOf: () => unknown): H {
  const validator = lazy(() => {
    const schema = schemaOf();
    if (!isZodSchema(schema)) throw new Error(`the route's ${target} schema is not a zod schema`);
    return zValidator(target, schema, validationHook);
  });
  return (c, next) => validator()(c, next);
}

/**
 * The validators of a route's query, path parameters and JSON body, in that order. Its `headers`
 * are documented only: the handlers read them as sent.
 */
function validatorsOf(route: RouteConfig): H[] {
  const validators: H[] = [];
  // `in`, never a read: the definitions build their schemas in getters.
  const request = route.request ?? {};
  if ("query" in request) validators.push(validatorOf("query", () => request.query));
  if ("params" in request) validators.push(validatorOf("param", () => request.params));
  const media = request.body?.content["application/json"];
  if (media !== undefined && "schema" in media) {
    validators.push(
      requireJsonBody,
      validatorOf("json", () => media.schema),
    );
  }
  return validators;
}

/**
 * Declares a route: its method, path, schemas and documented responses. The path stays a literal
 * type, so handlers and the typed client see its parameters.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
  route: R,
): R {
  return route;
}

/** A router whose routes validate through the one hook and are remembered for the document. */
export class ApiRouter<S extends Schema = BlankSchema, BasePath extends string = "/"> extends Hono<
  AppEnv,
  S,
  BasePath
> {
  /** The OpenAPI definitions of this router's routes, paths as mounted, in order. */
  readonly documentedRoutes: RouteConfig[] = [];

  /** Mounts `route`: its middleware, then its validators, then `handler`. */
  openapi<R extends RouteConfig>(
    route: R,
    handler: RouteHandler<R, RouteConfigToEnv<R> & AppEnv>,
  ): ApiRouter<WithRoute<S, BasePath, R>, BasePath> {
    const { middleware, hide, ...definition } = route;
    if (hide !== true) this.documentedRoutes.push(definition);
    const before: H[] =
      middleware === undefined ? [] : Array.isArray(middleware) ? [...middleware] : [middleware];
    const handlers: H[] = [...before, ...validatorsOf(route), handler as H];
    this.on(route.method, routingPath(route.path), ...(handlers as [H, ...H[]]));
    // Only the type grows: the routes were added to this very router.
    return this as unknown as ApiRouter<WithRoute<S, BasePath, R>, BasePath>;
  }

  /** Mounts `app` under `path`, as Hono does, and takes over its documented routes. */
  override route<
    SubPath extends string,
    SubEnv extends Env,
    SubSchema extends Schema,
    SubBasePath extends string,
  >(
    path: SubPath,
    app: Hono<SubEnv, SubSchema, SubBasePath>,
  ): ApiRouter<MergeSchemaPath<SubSchema, MergePath<BasePath, SubPath>> & S, BasePath> {
    super.route(path, app);
    if (app instanceof ApiRouter) {
      for (const definition of app.documentedRoutes) {
        this.documentedRoutes.push({ ...definition, path: mergePath(path, definition.path) });
      }
    }
    return this as unknown as ApiRouter<
      MergeSchemaPath<SubSchema, MergePath<BasePath, SubPath>> & S,
      BasePath
    >;
  }
}

/** A router whose routes validate through the one hook. */
export function createRouter(): ApiRouter {
  return new ApiRouter();
}
