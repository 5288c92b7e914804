/**
 * A process that makes `calls` cancels of SESSION_ID at `baseUrl` on one transport, prints how many it made and how
 * many sockets still hold the process open, and then just returns: what the client leaves behind decides when it exits.
 * Usage: node transport-child.mjs <baseUrl> <fetch|node:http> <calls>
 */

import { SESSION_ID } from "./pivot-bodies.js";
import { TRANSPORTS } from "./transports.js";

const [baseUrl = "", transport = "", calls = "1"] = process.argv.slice(2);
const create = transport === "fetch" ? TRANSPORTS.fetch : TRANSPORTS["node:http"];
const pivot = create({ baseUrl, accessToken: "tok-child-process-0001", maxRetries: 0 });
let made = 0;
for (let call = 0; call < Number(calls); call++) {
  const session = await pivot.cancelPaymentSession(SESSION_ID, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
  if (session.id === SESSION_ID) made++;
}
// What still holds the process open once the calls are done: a pooled connection must not (its socket is unref'd).
await new Promise((resolve) => setTimeout(resolve, 20));
const sockets = process.getActiveResourcesInfo().filter((resource) => resource === "TCPSocketWrap" || resource === "TLSWrap").length;
console.log(`cancelled ${made}, sockets holding the process open: ${sockets}`);
