/**
 * Where the pact lives. The consumer tests write a fresh pact to {@link FRESH_PACT_FILE} on every run (gitignored);
 * {@link COMMITTED_PACT_FILE} is the reviewed copy in git, the one published to a Pact Broker. The suite fails when
 * the two differ, and `npm run pact:update` accepts an intended change by copying the fresh one over.
 */
import { fileURLToPath } from "node:url";

/** The consumer's name in the pact: this package. */
export const CONSUMER = "pivot-payment-client";
/** The provider's name in the pact: Pivot's payment API (played locally by the emulator). */
export const PROVIDER = "pivot-payment-api";

const fileName = `${CONSUMER}-${PROVIDER}.json`;

/** The directory the consumer tests write to; deleted before each consumer run because Pact merges into old files. */
export const FRESH_PACT_DIR = fileURLToPath(new URL("../.pact-out/", import.meta.url));
/** The pact the current consumer tests produce. */
export const FRESH_PACT_FILE = `${FRESH_PACT_DIR}${fileName}`;
/** The directory of committed pacts (`pact-broker publish` publishes it whole). */
export const COMMITTED_PACT_DIR = fileURLToPath(new URL("../pacts/", import.meta.url));
/** The committed pact: the contract of record. */
export const COMMITTED_PACT_FILE = `${COMMITTED_PACT_DIR}${fileName}`;
/** The OpenAPI document the pact must agree with. */
export const SPEC_FILE = fileURLToPath(new URL("../../spec/openapi.yaml", import.meta.url));

/** The provider of the callback message pact: Pivot as the sender of payment callbacks (played by the emulator). */
export const CALLBACK_PROVIDER = "pivot-payment-callbacks";
const messageFileName = `${CONSUMER}-${CALLBACK_PROVIDER}.json`;
/** Where the callback consumer test writes its message pact: a directory of its own, as the HTTP consumer test empties its. */
export const FRESH_MESSAGE_PACT_DIR = fileURLToPath(new URL("../.pact-out-messages/", import.meta.url));
export const FRESH_MESSAGE_PACT_FILE = `${FRESH_MESSAGE_PACT_DIR}${messageFileName}`;
/** The committed callback message pact. */
export const COMMITTED_MESSAGE_PACT_FILE = `${COMMITTED_PACT_DIR}${messageFileName}`;

/** Every pact the suite writes, with its committed copy: what `npm run pact:compare` and `pact:update` go through. */
export const PACT_PAIRS = [
  { fresh: FRESH_PACT_FILE, committed: COMMITTED_PACT_FILE },
  { fresh: FRESH_MESSAGE_PACT_FILE, committed: COMMITTED_MESSAGE_PACT_FILE },
] as const;
