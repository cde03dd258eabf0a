/**
 * A value built on its first use and kept: for what only some requests need, or what only the
 * OpenAPI document reads, so that no cold start pays for it. Calling it has no effect: marked
 * `@__PURE__` where it is called at a module's top level, an unused one leaves the bundle (the
 * response schemas only the routes' documentation names, src/with-docs.d.ts).
 *
 * @example
 * const schema = lazy(() => z.object({ id: z.string() }));
 * schema(); // built now; the same object on every later call
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
