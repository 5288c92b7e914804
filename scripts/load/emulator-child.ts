/**
 * The child process of a load run (see `childProcessTarget` in target.ts): starts an emulator, reports its URL
 * and throwaway credentials over IPC, then seeds sessions and reports state when asked, until told to close.
 */
import { startPivotEmulator } from "../../src/emulator/index.js";
import { type FromChild, reportOf, seedCancellable, type ToChild } from "./target.js";

if (!process.send) throw new Error("emulator-child.ts runs only as a forked child of a load run");
const send = (message: FromChild): void => void process.send?.(message);

// The checks read the whole run's log, so it must not be bounded.
const emulator = await startPivotEmulator({ maxLoggedRequests: Infinity });
process.on("message", (message: ToChild) => {
  if ("seed" in message) send({ seeded: seedCancellable(emulator, message.seed) });
  else if ("logLength" in message) send({ logLength: emulator.requests.length });
  else if ("report" in message) send({ report: reportOf(emulator, message.report.sessionIds, message.report.since) });
  else if ("close" in message) void emulator.close().then(() => process.exit(0));
});
// The parent going away (Ctrl-C, a crash) must not leave an orphan holding a port.
process.on("disconnect", () => void emulator.close().then(() => process.exit(0)));
send({ ready: { url: emulator.url, credentials: emulator.credentials } });
