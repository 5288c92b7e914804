/**
 * `npm start`: the whole capability in one run, with no Pivot account. Starts the local emulator, seeds a
 * payment session, cancels it with the real client (credentials → token → cancel), prints the cancelled
 * session, then cancels it again and prints the typed error Pivot's 422 becomes.
 */
import { startPivotEmulator } from "./emulator/index.js";
import { createPivotClient, PivotInvalidStateError } from "./index.js";

const emulator = await startPivotEmulator();
try {
  console.log(`Pivot emulator listening on ${emulator.url}`);
  const seeded = emulator.createSession({ status: "REQUIRE_PAYMENT_METHOD" });
  console.log(`Seeded payment session ${seeded.id} (status ${seeded.status})\n`);

  const pivot = createPivotClient({ baseUrl: emulator.url, credentials: emulator.credentials });
  const cancelled = await pivot.cancelPaymentSession(seeded.id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
  console.log("Cancelled:");
  console.log(JSON.stringify(cancelled, null, 2));

  console.log("\nCancelling it again:");
  try {
    await pivot.cancelPaymentSession(seeded.id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
    throw new Error("The second cancel succeeded; the emulator should have answered 422.");
  } catch (error) {
    if (!(error instanceof PivotInvalidStateError)) throw error;
    // The message already names the status and code Pivot answered.
    console.log(`${error.name}: ${error.message}`);
  }
} finally {
  await emulator.close();
}
