/**
 * One process at a time on a local state directory's setup: two commands started together on new
 * local data (`npm start` in one terminal, `npm run token` in another) would both apply the
 * migrations, and the second would fail ("table … already exists").
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const WAIT_MS = 120_000;
const POLL_MS = 200;

function holderIsGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // Taken a moment ago, its pid not written yet: alive.
    return false;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Runs `work` while holding `stateDir`'s setup lock; a lock left by a dead process is taken over. */
export async function withStateLock<T>(stateDir: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const lock = join(stateDir, "setup.lock");
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (holderIsGone(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another command has been setting up ${stateDir} for ${WAIT_MS / 1000} s; try again`);
    }
    if (!told) console.error(`Waiting for another command to finish setting up ${stateDir}…`);
    told = true;
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
