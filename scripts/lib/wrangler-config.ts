/**
 * `wrangler.toml` as wrangler itself reads it (its exported config reader), for the scripts that
 * need a binding's settings. Only the fields the scripts use are typed here.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root directory, where `wrangler.toml` lives. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CONFIG_PATH = join(PROJECT_ROOT, "wrangler.toml");

export interface D1DatabaseConfig {
  binding: string;
  database_name?: string;
  database_id?: string;
  migrations_dir?: string;
  migrations_table?: string;
  migrations_pattern?: string;
}

export interface KvNamespaceConfig {
  binding: string;
  id?: string;
}

/** The configuration of one environment (the top level when `env` is undefined). */
export interface WranglerConfig {
  name?: string;
  d1_databases: D1DatabaseConfig[];
  kv_namespaces: KvNamespaceConfig[];
}

/**
 * Reads `wrangler.toml` for an environment, with wrangler's own validation: an unknown
 * environment throws wrangler's message, which lists the ones that exist.
 */
export async function readWranglerConfig(env: string | undefined): Promise<WranglerConfig> {
  const { unstable_readConfig } = await import("wrangler");
  const config: WranglerConfig = unstable_readConfig({ config: CONFIG_PATH, env }, { hideWarnings: true });
  return config;
}
