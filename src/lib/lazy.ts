/**
 * A value built on its first use and kept: for what only some requests need, or what only the
 * OpenAPI document reads, so that no cold start pays for it.
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
