/**
 * A wrangler config file as wrangler itself reads it (its exported `unstable_readConfig`), so that
 * TOML, JSON, defaults and validation mean here what they mean to `wrangler dev`. Loading
 * wrangler's API takes about a second: only tooling that needs a config imports this module.
 */
import { unstable_convertConfigBindingsToStartWorkerBindings, unstable_readConfig } from "wrangler";

/** A config's top-level Worker (no `--env`): its variables and its other bindings. */
export interface WorkerConfig {
  /** Plain-text variables (`[vars]`) by name. */
  vars: Map<string, string>;
  /** The names of every other binding (D1, KV, rate limiter, …). */
  bindings: Set<string>;
}

// Variables, not bindings to storage or services.
const VARIABLE_KINDS = new Set(["plain_text", "json", "secret_text"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * Reads the config at `path` with wrangler's own reader; its warnings are left to `wrangler dev`.
 *
 * @throws When wrangler cannot read or validate the file.
 */
export function readWorkerConfig(path: string): WorkerConfig {
  // wrangler's published types name a package it does not ship (they read as `any`): its
  // config goes straight back to wrangler, and what comes out is checked as `unknown`.
  const config: Parameters<typeof unstable_convertConfigBindingsToStartWorkerBindings>[0] =
    unstable_readConfig({ config: path }, { hideWarnings: true });
  const all: unknown = unstable_convertConfigBindingsToStartWorkerBindings(config);
  const vars = new Map<string, string>();
  const bindings = new Set<string>();
  for (const [name, binding] of Object.entries(isRecord(all) ? all : {})) {
    if (!isRecord(binding) || typeof binding.type !== "string") continue;
    if (binding.type === "plain_text" && typeof binding.value === "string") vars.set(name, binding.value);
    else if (!VARIABLE_KINDS.has(binding.type)) bindings.add(name);
  }
  return { vars, bindings };
}
