/**
 * How the emulator reads request bodies on real HTTP: a request whose client hung up mid-body is neither answered nor
 * logged, and a body over the cap stops being read there, so the answer does not wait for (or hold) the rest.
 */
import type { Socket } from "node:net";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type PivotEmulator, startPivotEmulator } from "../src/emulator/index.js";
import { BODY_LIMIT_BYTES } from "../src/emulator/server.js";

let emulator: PivotEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A raw connection to the emulator, with everything it answered so far. */
function rawClient(pivot: PivotEmulator): { socket: Socket; answer: () => string; closed: Promise<void> } {
  const socket = connect(pivot.port, "127.0.0.1");
  let answer = "";
  socket.on("data", (data) => (answer += data.toString("latin1")));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, answer: () => answer, closed };
}

/** Resolves once `condition` holds, checking on each turn of the event loop (no clock involved). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const head = (pivot: PivotEmulator, id: string, length: number) =>
  `POST /v2/payments/${id}/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${pivot.accessToken}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe("the emulator's request bodies", () => {
  it("does not log, as a 500 never sent, a request whose client disconnected mid-body", async () => {
    emulator = await startPivotEmulator();
    const pivot = emulator;
    const session = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
    const { socket, answer, closed } = rawClient(pivot);

    // "100 Continue" comes back once the server has the request's head: then it is reading the body.
    socket.write(head(pivot, session.id, 100).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"));
    await waitFor(() => answer().startsWith("HTTP/1.1 100 Continue"));
    socket.write('{"cancellationReason":');
    // A reset, as a client that crashed or timed out leaves it; the server sees ECONNRESET on the request.
    socket.resetAndDestroy();
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    // close() resolves once every connection is gone on the server's side, after its close events ran.
    await pivot.close();
    await new Promise((resolve) => setImmediate(resolve));

    console.log("LOG", JSON.stringify(pivot.requests), JSON.stringify(answer()));
    expect(pivot.requests).toEqual([]);
    expect(pivot.getSession(session.id)?.status).toBe("REQUIRE_CONFIRMATION");
  });

  it("answers 400 to a body over the cap without waiting for the rest of it, and closes the connection", async () => {
    emulator = await startPivotEmulator();
    const pivot = emulator;
    const session = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
    const { socket, answer, closed } = rawClient(pivot);

    // Declares 100 MiB but sends only the cap and a little more, then waits: an emulator that read to the end would
    // never answer, and this test would hang until its timeout.
    socket.write(head(pivot, session.id, 100 * 1024 * 1024).replace(/Content-Length: \d+/, "Transfer-Encoding: chunked"));
    const part = Buffer.alloc(BODY_LIMIT_BYTES + 1024, 0x20);
    socket.write(`${part.length.toString(16)}\r\n`);
    socket.write(part);
    socket.write("\r\n");
    await closed;

    expect(answer()).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer()).toMatch(/\r\nConnection: close\r\n/i);
    expect(pivot.requests).toMatchObject([{ status: 400 }]);
  });

  it("answers 400 at once to a declared Content-Length over the cap, before any body byte", async () => {
    emulator = await startPivotEmulator();
    const pivot = emulator;
    const { socket, answer, closed } = rawClient(pivot);

    socket.write(head(pivot, pivot.createSession().id, BODY_LIMIT_BYTES + 1));
    await closed;

    expect(answer()).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("still reads a body at the cap", async () => {
    emulator = await startPivotEmulator();
    const pivot = emulator;
    const session = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
    const body = JSON.stringify({ cancellationReason: "DUPLICATED" }).padEnd(BODY_LIMIT_BYTES, " ");
    const response = await fetch(`${pivot.url}/v2/payments/${session.id}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${pivot.accessToken}`, "Content-Type": "application/json" },
      body,
    });

    expect(response.status).toBe(200);
  });
});
