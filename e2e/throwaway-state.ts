/**
 * A throwaway local D1 and KV for end-to-end tests: a temp dir whose `state` folder is what
 * `wrangler dev --persist-to` and the token CLI are given, migrated, never the developer's
 * `.wrangler/state`. Removed by `remove()`, or when this process exits if a run is interrupted.
 */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations } from "../scripts/lib/wrangler.ts";

export interface ThrowawayState {
  /** The temp dir: the state and any logs written beside it. */
  readonly workDir: string;
  /** The local data directory (`--persist-to`). */
  readonly persistTo: string;
  /** Removes the temp dir; stop the servers running on it first. */
  remove(): Promise<void>;
}

/**
 * Creates a temp dir named after `prefix` and applies the migrations to its local D1.
 *
 * @example
 * const state = await createThrowawayState("csl-crash-");
 * const server = await startDevServer({ persistTo: state.persistTo, logPath: join(state.workDir, "dev.log") });
 */
export async function createThrowawayState(prefix: string): Promise<ThrowawayState> {
  const workDir = await mkdtemp(join(tmpdir(), prefix));
  const persistTo = join(workDir, "state");
  // dev-server.ts's own exit hook kills the servers first; the temp dir must not stay either.
  const removeOnExit = () => rmSync(workDir, { recursive: true, force: true });
  process.once("exit", removeOnExit);
  const remove = async () => {
    process.off("exit", removeOnExit);
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await mkdir(persistTo);
    applyMigrations({ remote: false, persistTo });
  } catch (error) {
    await remove();
    throw error;
  }
  return { workDir, persistTo, remove };
}
