/**
 * The client's two transports, for tests that must hold on both: `fetch` (the main entry's, on every runtime) and
 * node:http (the Node entry's default). A test file that imports `createPivotClient` from here runs on the transport
 * that PIVOT_TEST_TRANSPORT names ("fetch" when unset); vitest.config.ts runs such files once per transport.
 */
import { createPivotClient as onFetch, type PivotClient, type PivotClientOptions } from "../../src/index.js";
import { createPivotClient as onNode } from "../../src/node.js";

/** A way to make a client: the public `createPivotClient` of one entry. */
export type ClientFactory = (options: PivotClientOptions) => PivotClient;

/** Each transport by name, with the factory whose clients use it when given no `fetch`. */
export const TRANSPORTS: Readonly<Record<"fetch" | "node:http", ClientFactory>> = { fetch: onFetch, "node:http": onNode };

/** The transport this run tests. */
export const TRANSPORT_NAME: keyof typeof TRANSPORTS = process.env.PIVOT_TEST_TRANSPORT === "node:http" ? "node:http" : "fetch";

/** `createPivotClient` on the transport this run tests. */
export const createPivotClient: ClientFactory = TRANSPORTS[TRANSPORT_NAME];
