/**
 * Which core each client returned by `createPivotClient` runs on, so that a subpath entry
 * (`pivot-payment-client/raw`) can reach the client's token source and transport without the client exposing
 * them. A client is never kept alive by it.
 *
 * The package ships two builds (ESM for `import`, CommonJS for `require`), and an app may load both: a client made
 * by one must be usable by the other's `createRawClient`. So the map is one per process, found under a global
 * symbol rather than held by the module.
 */
import type { ClientCore } from "./call.js";

const REGISTRY = Symbol.for("pivot-payment-client.client-cores");

/** The process-wide map, created by whichever build loads first. */
function cores(): WeakMap<object, ClientCore> {
  const existing: unknown = Reflect.get(globalThis, REGISTRY);
  if (existing instanceof WeakMap) return existing;
  const created = new WeakMap<object, ClientCore>();
  Object.defineProperty(globalThis, REGISTRY, { value: created });
  return created;
}

/** Records that `client` runs on `core`; returns `client`. */
export function registerClient<T extends object>(client: T, core: ClientCore): T {
  cores().set(client, core);
  return client;
}

/**
 * The core of a client made by `createPivotClient`, or `undefined` for anything else (a WeakMap answers `undefined`
 * for a key that cannot be one, such as `undefined` passed from JavaScript).
 */
export function coreOf(client: object): ClientCore | undefined {
  return cores().get(client);
}
