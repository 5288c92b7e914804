/**
 * The emulator as a person or a shell script runs it: sessions created over HTTP through the emulator's own route,
 * one line per request, and the `pivot-emulator` bin's banner (its PID, commands that do not collide) and its stop on
 * `kill <PID>`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PivotEmulator, type RecordedRequest, startPivotEmulator } from "../src/emulator/index.js";
import { readBanner, untilBanner } from "./support/emulator-banner.js";
import { bundleForNode, type NodeBundle } from "./support/node-bundle.js";

describe("POST /_emulator/sessions", () => {
  let pivot: PivotEmulator;
  const seen: RecordedRequest[] = [];
  beforeAll(async () => {
    pivot = await startPivotEmulator({ onRequest: (request) => seen.push(request) });
  });
  afterAll(() => pivot.close());

  const create = (body?: string) =>
    fetch(`${pivot.url}/_emulator/sessions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body }),
    });

  it("creates a session with the status asked for, answers 201 with it, and the client API then knows it", async () => {
    const response = await create('{"status":"REQUIRE_CONFIRMATION"}');
    const { data } = (await response.json()) as { data: { id: string; status: string } };
    expect(response.status).toBe(201);
    expect(data.status).toBe("REQUIRE_CONFIRMATION");
    expect(pivot.getSession(data.id)?.status).toBe("REQUIRE_CONFIRMATION");
  });

  it("creates a REQUIRE_PAYMENT_METHOD session from an empty body", async () => {
    const response = await create();
    const { data } = (await response.json()) as { data: { status: string } };
    expect(response.status).toBe(201);
    expect(data.status).toBe("REQUIRE_PAYMENT_METHOD");
  });

  it("answers 400 naming each field for an unknown status or an unknown field", async () => {
    const response = await create('{"status":"NOPE","amount":1}');
    const body = (await response.json()) as { error: { details: { field: string }[] } };
    expect(response.status).toBe(400);
    expect(body.error.details.map((detail) => detail.field).sort()).toEqual(["amount", "status"]);
  });

  it("answers 405 with Allow: POST to another method", async () => {
    const response = await fetch(`${pivot.url}/_emulator/sessions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("tells onRequest about every request, and a listener that throws does not stop the answer", async () => {
    const throwing = await startPivotEmulator({
      onRequest: () => {
        throw new Error("listener bug");
      },
    });
    try {
      expect((await fetch(`${throwing.url}/_emulator/sessions`, { method: "POST" })).status).toBe(201);
    } finally {
      await throwing.close();
    }
    expect(seen.map((request) => `${request.method} ${request.path} ${request.status}`)).toContain("POST /_emulator/sessions 201");
  });
});

describe("an emulator whose clock fails", () => {
  it("answers 500 and keeps serving, with no unhandled rejection, when now throws or returns no date", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let clock: () => unknown = () => new Date();
    const broken = await startPivotEmulator({ now: () => clock() as Date });
    try {
      for (const failing of [
        () => {
          throw new Error("clock bug");
        },
        () => "not a date",
      ]) {
        clock = failing;
        // Bounded, so that an emulator that never answers fails here rather than hangs.
        const response = await fetch(`${broken.url}/_emulator/sessions`, { method: "POST", signal: AbortSignal.timeout(5_000) });
        expect(response.status).toBe(500);
      }
      // Rejections are reported as unhandled only once the microtasks have run: a later turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      clock = () => new Date();
      process.off("unhandledRejection", onUnhandled);
      await broken.close();
    }
  });
});

describe("the pivot-emulator bin", () => {
  let bin: NodeBundle;
  beforeAll(async () => {
    bin = await bundleForNode("src/cli/pivot-emulator.ts");
  });
  afterAll(() => bin.remove());

  /** Starts the bin and resolves once its banner is complete, with what it printed so far. */
  async function start(args: string[]): Promise<{ child: ChildProcess; url: string; pid: number; printed: () => string }> {
    const child = spawn(process.execPath, [bin.file, "--port", "0", ...args], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const { banner, output } = await untilBanner(child);
    return { child, ...readBanner(banner), printed: output };
  }
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));

  it("prints its PID, suggests different sessions to pivot-cancel and curl, logs each request, and stops on kill <PID>", async () => {
    const { child, url, pid, printed } = await start(["--seed", "2"]);
    const closed = exited(child);
    const text = printed();
    expect(pid).toBe(child.pid);
    const forCli = /pivot-cancel (?:-- )?([0-9a-f-]{36}) --reason/.exec(text)?.[1];
    const forCurl = /\/v2\/payments\/([0-9a-f-]{36})\/cancel/.exec(text)?.[1];
    expect(forCli).toBeDefined();
    expect(forCurl).toBeDefined();
    expect(forCli).not.toBe(forCurl);

    expect((await fetch(`${url}/_emulator/sessions`, { method: "POST" })).status).toBe(201);
    await expect.poll(printed).toMatch(/^POST \/_emulator\/sessions → 201 00$/m);

    process.kill(pid, "SIGTERM");
    expect(await closed).toBe(0);
  });

  it("prints no request lines with --quiet", async () => {
    const { child, url, printed } = await start(["--quiet"]);
    const closed = exited(child);
    expect((await fetch(`${url}/_emulator/sessions`, { method: "POST" })).status).toBe(201);
    child.kill("SIGTERM");
    expect(await closed).toBe(0);
    expect(printed()).not.toMatch(/→/);
  });

  it("words an unknown option itself, exit 2", async () => {
    const child = spawn(process.execPath, [bin.file, "--nope"], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr?.on("data", (chunk) => (err += chunk));
    expect(await exited(child)).toBe(2);
    expect(err).toBe("pivot-emulator: unknown option --nope (see pivot-emulator --help)\n");
  });
});
