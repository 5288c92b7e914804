/**
 * A test's own HTTP(S) server on 127.0.0.1: listening on a free port, its origin, and a close that ends every open
 * connection first, so that closing never waits on a connection a test left stalled. Also a port with nothing on it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening server: where it is, and how to stop it. */
export interface Listening {
  /** `http://127.0.0.1:<port>` (or `https://`), without a trailing slash. */
  origin: string;
  port: number;
  close: () => Promise<void>;
}

/** Starts `server` on a free port of 127.0.0.1. */
export async function listenOnLoopback(server: Server, scheme: "http" | "https" = "http"): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { origin: `${scheme}://127.0.0.1:${port}`, port, close };
}

/** A port of 127.0.0.1 that was free a moment ago and has nothing listening now: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const { port, close } = await listenOnLoopback(createServer());
  await close();
  return port;
}
