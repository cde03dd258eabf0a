/**
 * Storage that hangs, for as long as the test needs: a stalled call never settles until the
 * test releases it, and test/setup.ts releases every one that is left when the test ends, so
 * that nothing a test started is still waiting when the next one begins.
 */
const unreleased = new Set<() => void>();

/** A gate the test opens; opened at the latest when the test ends. */
export interface Gate {
  /** Settles once released. */
  opened: Promise<void>;
  release(): void;
}

export function gate(): Gate {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const release = () => {
    unreleased.delete(release);
    open();
  };
  unreleased.add(release);
  return { opened, release };
}

/** A call that never answers until released, and then fails ("released"). */
export function stall(): Promise<never> {
  const { opened } = gate();
  return opened.then(() => Promise.reject(new Error("released")));
}

/** Opens every gate still closed (end of test). */
export function releaseAll(): void {
  for (const release of [...unreleased]) release();
}
