/**
 * Lets Node load the Worker's own modules (`src/`), whose relative imports name no extension:
 * wrangler's bundler and Vitest resolve those, Node does not. Such an import from `src/` that
 * Node cannot find is tried again with `.ts`. Call this before importing what reaches `src/`.
 */
import { registerHooks } from "node:module";

const SRC = new URL("../../src/", import.meta.url).href;
let registered = false;

export function allowSrcImports(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        const fromSrc = context.parentURL?.startsWith(SRC) ?? false;
        if (!fromSrc || !specifier.startsWith(".") || /\.[cm]?[jt]s$/.test(specifier)) throw error;
        return nextResolve(`${specifier}.ts`, context);
      }
    },
  });
}
