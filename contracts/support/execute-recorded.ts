/**
 * Runs a consumer test against the Pact mock server and lets the server finish recording what it matched before
 * Pact reads its verdict.
 *
 * Why this exists: the mock server in pact-core 19.2 (libpact_ffi 0.5.4) answers the client first and records the
 * match on another task afterwards. On a loaded machine Pact can then read the verdict too early and fail with
 * "The following request was expected but not received" for a request it has already answered. This made about
 * 2 of 158 consumer runs fail under load (pact-foundation/pact-core-mock-server#13). The fix proposed upstream (#14 there)
 * is not in pact-core 19.2, the one Pact 16.5 (the last Pact for Node 20) uses. Until the project can move, each test
 * waits for the server to report every expected request as matched, for at most {@link RECORDING_WAIT_MS}. A request
 * that never arrived still fails: the wait runs out and Pact reports it as before.
 */
import { getFfiLib } from "@pact-foundation/pact-core";
import type { V3MockServer } from "@pact-foundation/pact";

/** How long a passing test waits for the mock server's bookkeeping; it normally takes well under a millisecond. */
export const RECORDING_WAIT_MS = 2_000;
const POLL_MS = 2;

/** What this helper needs of a Pact V4 interaction: its `executeTest`. */
interface ExecutableInteraction {
  executeTest<T>(testFn: (mockServer: V3MockServer) => Promise<T>): Promise<T | undefined>;
}

/**
 * `interaction.executeTest(test)`, except that once `test` has passed it waits until the mock server has recorded
 * all expected requests as matched, or `waitMs` (default {@link RECORDING_WAIT_MS}) has passed.
 */
export function executeRecorded<T>(
  interaction: ExecutableInteraction,
  test: (mockServer: V3MockServer) => Promise<T>,
  waitMs = RECORDING_WAIT_MS,
): Promise<T | undefined> {
  return interaction.executeTest(async (mockServer) => {
    const value = await test(mockServer);
    await allRequestsRecorded(mockServer.port, waitMs);
    return value;
  });
}

/** Resolves once the mock server on `port` reports every expected request matched, or when the wait runs out. */
async function allRequestsRecorded(port: number, waitMs: number): Promise<void> {
  // The native core is already loaded by the Pact instance; this returns that same handle.
  const ffi = getFfiLib();
  const deadline = Date.now() + waitMs;
  while (!ffi.pactffiMockServerMatched(port) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
