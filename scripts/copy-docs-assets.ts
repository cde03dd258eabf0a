/**
 * Copies the API reference's browser script into the Worker's static assets (`public/`), so
 * `/docs` loads it from the Worker itself and renders with no internet access. Runs after
 * every install (`postinstall`); the copy is not committed.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(
  new URL("../node_modules/@scalar/api-reference/dist/browser/standalone.js", import.meta.url),
);
const target = fileURLToPath(new URL("../public/docs/scalar.js", import.meta.url));

mkdirSync(fileURLToPath(new URL("../public/docs/", import.meta.url)), { recursive: true });
copyFileSync(source, target);
