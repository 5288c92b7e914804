/**
 * Which core each client returned by `createPivotClient` runs on, so that a subpath entry
 * (`pivot-payment-client/raw`) can reach the client's token source and transport without the client exposing
 * them. The map is module-private: nothing outside this package can read it, and a client is never kept alive by it.
 * The build keeps it a single instance: the entries share it through one chunk, and each `.cjs` entry requires the
 * ESM build, so `import` and `require` see the same registry.
 */
import type { ClientCore } from "./call.js";

const cores = new WeakMap<object, ClientCore>();

/** Records that `client` runs on `core`; returns `client`. */
export function registerClient<T extends object>(client: T, core: ClientCore): T {
  cores.set(client, core);
  return client;
}

/** The core of a client made by `createPivotClient`, or `undefined` for anything else. */
export function coreOf(client: unknown): ClientCore | undefined {
  return typeof client === "object" && client !== null ? cores.get(client) : undefined;
}
