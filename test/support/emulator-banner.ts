/**
 * The `pivot-emulator` bin as a person runs it: wait until its banner is printed, then read from the banner what a
 * person copies out of it. One reading for every test that spawns the bin, unit and pack smoke alike, so a change of
 * the banner is followed in one place.
 */
import type { ChildProcess } from "node:child_process";

/** The line that ends the banner; request lines follow it. */
const BANNER_END = /Ctrl-C to stop.*\n/;

/** A started bin: its banner, and everything it has printed so far (the banner, then one line per request). */
export interface BinOutput {
  banner: string;
  output: () => string;
}

/**
 * Resolves once `child` has printed its whole banner on stdout; rejects, with what it printed, when it exits first or
 * prints no banner within `ms` (only a hang should reach that).
 */
export function untilBanner(child: ChildProcess, ms = 30_000): Promise<BinOutput> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pivot-emulator printed no banner within ${ms} ms:\n${stdout}${stderr}`)), ms);
    child.stdout?.on("data", () => {
      if (!BANNER_END.test(stdout)) return;
      clearTimeout(timer);
      resolve({ banner: stdout, output: () => stdout });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`pivot-emulator exited with ${code} before its banner:\n${stdout}${stderr}`));
    });
  });
}

/** What the banner tells: where the emulator listens, its PID, the first seeded session and the ready access token. */
export interface BannerFacts {
  url: string;
  pid: number;
  /** The first seeded session, when `--seed` seeded any. */
  sessionId: string | undefined;
  /** The access token of the banner's curl example, when it has one. */
  accessToken: string | undefined;
}

/** Reads a banner; throws, quoting it, when it names no URL or PID. */
export function readBanner(banner: string): BannerFacts {
  const [, url, pid] = /listening on (http:\/\/127\.0\.0\.1:\d+) \(PID (\d+)\)/.exec(banner) ?? [];
  if (url === undefined || pid === undefined) throw new Error(`no "listening on <url> (PID <n>)" in the banner:\n${banner}`);
  return {
    url,
    pid: Number(pid),
    sessionId: /^ {2}([0-9a-f-]{36}) {2}[A-Z_]+$/m.exec(banner)?.[1],
    accessToken: /Authorization: Bearer (\S+)'/.exec(banner)?.[1],
  };
}
