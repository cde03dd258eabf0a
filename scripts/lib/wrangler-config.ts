/**
 * Wrangler config files as wrangler itself reads them (its exported `unstable_readConfig`), so
 * that TOML, defaults and validation mean here what they mean to `wrangler dev`. Only the fields
 * the scripts use are typed here. Loading wrangler's API takes about a second, so it is imported
 * when a config is read, never at start.
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

export interface QueuesConfig {
  producers?: { binding: string; queue: string }[];
  consumers?: { queue: string; dead_letter_queue?: string; max_retries?: number }[];
}

/** The configuration of one environment (the top level when `env` is undefined). */
export interface WranglerConfig {
  name?: string;
  d1_databases: D1DatabaseConfig[];
  kv_namespaces: KvNamespaceConfig[];
  queues: QueuesConfig;
  vars: Record<string, unknown>;
  triggers: { crons?: string[] };
}

/** Every queue the environment sends to or consumes, dead-letter queues included, each once. */
export function queueNames(config: WranglerConfig): string[] {
  const names = [
    ...(config.queues.producers ?? []).map((producer) => producer.queue),
    ...(config.queues.consumers ?? []).flatMap((consumer) => [
      consumer.queue,
      ...(consumer.dead_letter_queue === undefined ? [] : [consumer.dead_letter_queue]),
    ]),
  ];
  return [...new Set(names)];
}

/** Variables for local development and tests only: a deployment must never set them. */
export const LOCAL_ONLY_VARS = ["ALLOW_LOCAL_WEBHOOKS", "TEST_HOLD_QUEUE_SEND"] as const;

/** The local-only variables an environment sets. */
export function localOnlyVars(config: WranglerConfig): string[] {
  return LOCAL_ONLY_VARS.filter((name) => Object.hasOwn(config.vars, name));
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

/** An id in `wrangler.toml` that still holds a placeholder, and the command that prints a real one. */
export interface Placeholder {
  kind: "d1" | "kv";
  /** The binding whose id it is, such as `DB`. */
  binding: string;
  /** Its path in `wrangler.toml`, such as `env.production.d1_databases[0].database_id`. */
  field: string;
  value: string;
  /** Where the real id comes from, in words with the commands. */
  remedy: string;
}

// `REPLACE_WITH_…` in the environments, all zeros at the top level (local development only).
function isPlaceholder(id: string | undefined): boolean {
  return id === undefined || id === "" || id.startsWith("REPLACE_WITH_") || /^[0-]+$/.test(id);
}

/** The D1 and KV ids of an environment that are placeholders, each with the command that prints the id. */
export function placeholderIds(config: WranglerConfig, env: string | undefined): Placeholder[] {
  const prefix = env ? `env.${env}.` : "";
  const envFlag = env ? ` --env ${env}` : "";
  const found: Placeholder[] = [];
  for (const [i, database] of config.d1_databases.entries()) {
    if (!isPlaceholder(database.database_id)) continue;
    found.push({
      kind: "d1",
      binding: database.binding,
      field: `${prefix}d1_databases[${i}].database_id`,
      value: database.database_id ?? "",
      remedy: `\`npx wrangler d1 create ${database.database_name ?? "NAME"}\` prints the id of a new database (\`npx wrangler d1 list\`: the ids of existing ones)`,
    });
  }
  for (const [i, namespace] of config.kv_namespaces.entries()) {
    if (!isPlaceholder(namespace.id)) continue;
    found.push({
      kind: "kv",
      binding: namespace.binding,
      field: `${prefix}kv_namespaces[${i}].id`,
      value: namespace.id ?? "",
      remedy: `\`npx wrangler kv namespace create ${namespace.binding}${envFlag}\` prints the id of a new namespace (\`npx wrangler kv namespace list\`: the ids of existing ones)`,
    });
  }
  return found;
}

/** The placeholders as lines for a message: the field, its value, and where the id comes from. */
export function describePlaceholders(placeholders: Placeholder[]): string {
  return placeholders.map(({ field, value, remedy }) => `  ${field} = "${value}"\n    ${remedy}`).join("\n");
}

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
export async function readWorkerConfig(path: string): Promise<WorkerConfig> {
  const wrangler = await import("wrangler");
  // wrangler's published types name a package it does not ship (they read as `any`): its
  // config goes straight back to wrangler, and what comes out is checked as `unknown`.
  const config: Parameters<typeof wrangler.unstable_convertConfigBindingsToStartWorkerBindings>[0] =
    wrangler.unstable_readConfig({ config: path }, { hideWarnings: true });
  const all: unknown = wrangler.unstable_convertConfigBindingsToStartWorkerBindings(config);
  const vars = new Map<string, string>();
  const bindings = new Set<string>();
  for (const [name, binding] of Object.entries(isRecord(all) ? all : {})) {
    if (!isRecord(binding) || typeof binding.type !== "string") continue;
    if (binding.type === "plain_text" && typeof binding.value === "string") vars.set(name, binding.value);
    else if (!VARIABLE_KINDS.has(binding.type)) bindings.add(name);
  }
  return { vars, bindings };
}
