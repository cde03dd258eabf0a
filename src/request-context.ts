/**
 * The bridge between Hono and the services: services take a plain context, so they can be
 * called (and tested) without a Hono request.
 */
import type { Context } from "hono";
import { type AppEnv, type Config, readConfig } from "./env";

/** What the services need from the request they serve, independent of Hono. */
export interface RequestContext {
  env: Env;
  config: Config;
  requestId: string;
  /** Epoch ms by which storage must have answered. */
  deadline: number;
  /** Keeps background work (cache writes) alive after the response is sent. */
  waitUntil: (work: Promise<unknown>) => void;
}

/** The service-facing context of a Hono request. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  return {
    env: c.env,
    config: readConfig(c.env),
    requestId: c.var.requestId,
    deadline: c.var.deadline,
    waitUntil: (work) => c.executionCtx.waitUntil(work),
  };
}
