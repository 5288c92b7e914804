/**
 * pivot-payment-client on Node (the package's `node` export condition): the main entry's API, with one difference:
 * a client sends its requests on node:http and node:https, with keep-alive connections, instead of `fetch`, which on
 * Node costs several times as much per request. A client given `options.fetch` uses that `fetch`, as everywhere else.
 * @packageDocumentation
 */
import { buildClient, type PivotClient, type PivotClientOptions } from "./client.js";
import { nodeTransport } from "./node-transport.js";

export * from "./index.js";

/**
 * Creates a client for Pivot's Payment Session API; on Node its requests go through node:http and node:https unless
 * `options.fetch` is given.
 * @example
 * const pivot = createPivotClient({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId, clientSecret } });
 */
export function createPivotClient(options: PivotClientOptions): PivotClient {
  return buildClient(options, nodeTransport);
}
