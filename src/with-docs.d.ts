/**
 * Whether this build carries the routes' documentation (the `docs` of each route definition:
 * summaries, descriptions, responses, examples), set at build time by `[define]` in
 * wrangler.toml. The Worker's own builds say `false`, so esbuild drops every
 * `WITH_DOCS && {…}` and what only it used: the documentation costs no cold start. The OpenAPI
 * document's build (scripts/openapi.ts) and the tests (vitest.config.ts) say `true`.
 */
declare const WITH_DOCS: boolean;
