/** vitest global setup: make sure the generated wasm module is up to date before any test imports it. */
export default async function setup(): Promise<void> {
  // @ts-expect-error: plain ESM build script without type declarations
  const { buildWasm } = await import('../../scripts/build-wasm.mjs');
  await buildWasm({ ifStale: true });
}
