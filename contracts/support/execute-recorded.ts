/**
 * Runs a consumer test against the Pact mock server and reads Pact's verdict only once the mock server has recorded
 * every request it answered.
 *
 * Why: the mock server in pact-core 19.2 (libpact_ffi 0.5.4) puts each match result on a channel and answers the
 * client; a separate task records the result later (pact-foundation/pact-core-mock-server#13; the fix proposed there,
 * #14, is not in the pact-core that Pact 16.5, the last Pact for Node 20, uses). Its own trace log shows the order:
 * "Request matched, sending response", then the client's read of the verdict (false), then, milliseconds later on a
 * busy machine, "Received event … RequestMatch". Pact read the verdict in that gap and failed with "The following
 * request was expected but not received".
 *
 * So the test gets a `fetch` that counts the answers it received, and the verdict waits until the mock server's
 * records account for that many requests. Nothing here is a time limit: the wait ends on the server's records, and
 * a request that was never sent was never answered, so its test fails at once. (The test's own timeout still
 * bounds a server that never records.)
 */

import type { V3MockServer } from "@pact-foundation/pact";
import { getFfiLib } from "@pact-foundation/pact-core";

/** The mock server, plus the `fetch` every request of the test must go through so that its answers are counted. */
export interface RecordedMockServer extends V3MockServer {
  fetch: typeof fetch;
}

/** What this helper needs of a Pact V4 interaction: its `executeTest`. */
interface ExecutableInteraction {
  executeTest<T>(testFn: (mockServer: V3MockServer) => Promise<T>): Promise<T | undefined>;
}

/** One entry of `pactffiMockServerMismatches`: an expected request not (yet) recorded, or a request that did not match. */
interface Mismatch {
  type: string;
}

function mismatchesOf(port: number): Mismatch[] {
  return JSON.parse(getFfiLib().pactffiMockServerMismatches(port)) as Mismatch[];
}

/** How many interactions the mock server on `port` expects: before any request, every one of them is missing. */
function expectedInteractions(port: number): number {
  return mismatchesOf(port).filter((mismatch) => mismatch.type === "missing-request").length;
}

/**
 * How many received requests the mock server on `port` has recorded: each matched interaction drops out of the
 * "missing-request" entries, each unmatched request adds an entry of its own. A second request matching the same
 * interaction would not show, so a test sends one request per interaction.
 */
export function recordedRequests(port: number, expected: number): number {
  const mismatches = mismatchesOf(port);
  const missing = mismatches.filter((mismatch) => mismatch.type === "missing-request").length;
  return expected - missing + (mismatches.length - missing);
}

/** Resolves once `recorded()` reaches `answered`, checking again every millisecond. */
export async function untilRecorded(recorded: () => number, answered: number): Promise<void> {
  while (recorded() < answered) await new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * `interaction.executeTest(test)`, except that the test gets a counting `fetch` on its mock server, and Pact reads its
 * verdict only after the mock server has recorded as many requests as that `fetch` received answers.
 */
export function executeRecorded<T>(
  interaction: ExecutableInteraction,
  test: (mockServer: RecordedMockServer) => Promise<T>,
): Promise<T | undefined> {
  return interaction.executeTest(async (mockServer) => {
    const expected = expectedInteractions(mockServer.port);
    let answered = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      answered += 1;
      return response;
    };
    try {
      return await test({ ...mockServer, fetch: countingFetch });
    } finally {
      await untilRecorded(() => recordedRequests(mockServer.port, expected), answered);
    }
  });
}
