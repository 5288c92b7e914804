/**
 * Options and answers the client must refuse rather than quietly ignore or blame on the network: a key no option
 * has (a JavaScript caller's typo), a cancel reason inherited from a prototype, and a caller's `fetch` whose answer
 * is not a usable Response or whose body fails with something other than an Error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createPaymentCallbackHandler } from "../src/callbacks/index.js";
import { createPivotClient, type PivotClientOptions, PivotConnectionError, PivotInputError } from "../src/index.js";
import { thrownBy } from "./support/attempts.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
let server: HostileServer;
afterEach(() => server.close());

async function okServer(): Promise<HostileServer> {
  return startHostileServer((_request, response) => reply(response, 200, successEnvelope(SESSION_ID)));
}

/** Options as a JavaScript caller may write them: with keys the types do not have. */
function untyped(options: Record<string, unknown>): PivotClientOptions {
  return Object.assign({ accessToken: "tok-option-refusals-1" }, options) as unknown as PivotClientOptions;
}

describe("an option key that no option has", () => {
  it.each([
    ["maxRetry", 0, "; did you mean maxRetries?"],
    ["timeout", 5, "; did you mean timeoutMs?"],
    ["BaseDelayMs", 1, "; did you mean baseDelayMs?"],
    ["signal", new AbortController().signal, ". Known options:"],
  ])("is refused by createPivotClient, naming %s, before any request", async (key, value, hint) => {
    server = await okServer();
    const create = () => createPivotClient(untyped({ baseUrl: server.url, [key]: value }));

    expect(create).toThrow(PivotInputError);
    expect(create).toThrow(
      expect.objectContaining({
        code: "invalid_option",
        message: expect.stringContaining(`unknown option ${key} in createPivotClient's options${hint}`),
      }),
    );
    expect(server.requests).toHaveLength(0);
  });

  it("is refused per call by cancelPaymentSession and getPaymentSession, with the known key suggested", async () => {
    server = await okServer();
    const pivot = createPivotClient({ baseUrl: server.url, accessToken: "tok-option-refusals-2" });
    const timeoutMS = { timeoutMS: 1 } as unknown as { timeoutMs: number };
    const deadline = { deadline: 5 } as unknown as { deadlineMs: number };

    const cancelError = await pivot.cancelPaymentSession(SESSION_ID, BODY, timeoutMS).catch((e: unknown) => e);
    const readError = await pivot.getPaymentSession(SESSION_ID, deadline).catch((e: unknown) => e);

    expect(cancelError).toBeInstanceOf(PivotInputError);
    expect(cancelError).toMatchObject({
      code: "invalid_option",
      message: expect.stringContaining("unknown option timeoutMS in cancelPaymentSession's options; did you mean timeoutMs?"),
    });
    expect(readError).toMatchObject({
      code: "invalid_option",
      message: expect.stringContaining("unknown option deadline in getPaymentSession's options; did you mean deadlineMs?"),
    });
    expect(server.requests).toHaveLength(0);
  });

  it("is not confused with a known option left undefined, which still takes its default", async () => {
    server = await okServer();
    const pivot = createPivotClient(untyped({ baseUrl: server.url, fetch: undefined, maxRetries: undefined }));
    const callOptions = { idempotencyKey: undefined, signal: undefined } as unknown as { deadlineMs: number };

    await expect(pivot.cancelPaymentSession(SESSION_ID, BODY, callOptions)).resolves.toMatchObject({ status: "CANCELLED" });
  });
});

describe("an options object that throws when read", () => {
  const trap = () => {
    throw new Error("trap tok-option-refusals-secret");
  };
  const hostile = <T extends object>(target: T): T =>
    new Proxy(target, { get: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap });

  it("is the caller's input error, not a raw throw, at creation and per call, and its text is not quoted", async () => {
    server = await okServer();
    const pivot = createPivotClient({ baseUrl: server.url, accessToken: "tok-option-refusals-3" });
    const refusals = [
      thrownBy(() => createPivotClient(hostile({ baseUrl: server.url, accessToken: "tok-option-refusals-3" }))),
      await pivot.cancelPaymentSession(SESSION_ID, BODY, hostile({})).catch((e: unknown) => e),
      await pivot.getPaymentSession(SESSION_ID, hostile({})).catch((e: unknown) => e),
      thrownBy(() => createPaymentCallbackHandler(hostile({ callbackApiKey: "cbk_0001", onEvent: () => {} }))),
    ];

    expect(refusals.map((error) => (error instanceof PivotInputError ? error.message : error))).toEqual([
      "createPivotClient's options could not be read: reading its properties threw. Pass a plain object.",
      "cancelPaymentSession's options could not be read: reading its properties threw. Pass a plain object.",
      "getPaymentSession's options could not be read: reading its properties threw. Pass a plain object.",
      "createPaymentCallbackHandler's options could not be read: reading its properties threw. Pass a plain object.",
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it("is read once: a getter runs once, and the call uses what it returned then", async () => {
    server = await okServer();
    let reads = 0;
    const options = {
      baseUrl: server.url,
      get accessToken() {
        reads++;
        return reads === 1 ? "tok-option-refusals-4" : 42;
      },
    };

    const pivot = createPivotClient(options as PivotClientOptions);

    await expect(pivot.cancelPaymentSession(SESSION_ID, BODY)).resolves.toMatchObject({ status: "CANCELLED" });
    expect(reads).toBe(1);
  });
});

describe("an argument or option that cannot even be looked at", () => {
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const trappedFunction = new Proxy(() => {}, {
    get() {
      throw new Error("trap tok-option-refusals-secret");
    },
  });
  const untypedCancel = (pivot: ReturnType<typeof createPivotClient>) =>
    pivot.cancelPaymentSession as (id: unknown, body: unknown, options?: unknown) => Promise<unknown>;

  it("is the caller's input error naming it, per call, with nothing sent, for a revoked Proxy as the id or a call option", async () => {
    server = await okServer();
    const cancel = untypedCancel(createPivotClient({ baseUrl: server.url, accessToken: "tok-option-refusals-5", maxRetries: 0 }));
    const cases: [Promise<unknown>, RegExp][] = [
      [cancel(revoked(), BODY), /^id must be a string \(the Payment Session ID\), got an object\.$/],
      [cancel(SESSION_ID, BODY, { timeoutMs: revoked() }), /^timeoutMs must be a number of milliseconds .*; got an object\.$/],
      [cancel(SESSION_ID, BODY, { deadlineMs: revoked() }), /^deadlineMs must be a number of milliseconds .*; got an object\.$/],
      [cancel(SESSION_ID, BODY, { maxRetries: revoked() }), /^maxRetries must be a whole number .*; got an object\.$/],
      [cancel(SESSION_ID, BODY, { idempotencyKey: revoked() }), /^idempotencyKey must be 16 to 36 .*; got an object\.$/],
      [cancel(SESSION_ID, BODY, { timeoutMs: trappedFunction }), /^timeoutMs must be a number of milliseconds .*; got a function\.$/],
    ];

    for (const [call, message] of cases) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PivotInputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(server.requests).toHaveLength(0);
  });

  it("is the caller's input error, with nothing sent, for a signal that only claims to be an AbortSignal", async () => {
    server = await okServer();
    const client = createPivotClient({ baseUrl: server.url, accessToken: "tok-option-refusals-7", maxRetries: 0 });
    const real = new AbortController().signal;
    const claims = [
      revoked(),
      Object.create(AbortSignal.prototype),
      new Proxy(real, {
        getPrototypeOf() {
          throw new Error("trap");
        },
      }),
      new Proxy(real, {
        get(target, key) {
          if (key === "aborted") throw new Error("trap");
          return Reflect.get(target, key);
        },
      }),
    ];

    for (const signal of claims) {
      const error = await client.cancelPaymentSession(SESSION_ID, BODY, { signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PivotInputError);
      expect((error as Error).message).toMatch(/^options\.signal must be an AbortSignal/);
    }
    expect(server.requests).toHaveLength(0);
  });

  it("is the caller's input error naming it at creation, for a revoked Proxy, a trapped function or credentials whose getter throws", () => {
    const base = { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-option-refusals-6" };
    const refusals = [
      thrownBy(() => createPivotClient(untyped({ baseUrl: revoked() }))),
      thrownBy(() => createPivotClient(untyped({ ...base, fetch: revoked() }))),
      thrownBy(() => createPivotClient(untyped({ ...base, timeoutMs: trappedFunction }))),
      thrownBy(() => createPivotClient(untyped({ ...base, maxRetries: revoked() }))),
      thrownBy(() =>
        createPivotClient({
          baseUrl: base.baseUrl,
          credentials: {
            get clientId(): string {
              throw new Error("vault says tok-option-refusals-secret");
            },
            clientSecret: "secret-option-refusals-1",
          },
        }),
      ),
    ];

    expect(refusals.map((error) => (error instanceof PivotInputError ? error.message : error))).toEqual([
      "baseUrl must be an absolute URL such as https://api.pivot-payment.com; got an object.",
      "options.fetch must be a function when given; got an object.",
      "timeoutMs must be a number of milliseconds from 1 to 86400000; got a function.",
      "maxRetries must be a whole number from 0 to 10; got an object.",
      "credentials could not be read: reading its properties threw. Pass a plain object { clientId, clientSecret }.",
    ]);
  });
});

describe("a cancel reason the body only inherits", () => {
  it("is refused like a missing one, before any request", async () => {
    server = await okServer();
    const pivot = createPivotClient({ baseUrl: server.url, accessToken: "tok-option-refusals-4" });
    const inherited = Object.create({ cancellationReason: "REQUESTED_BY_CUSTOMER" }) as typeof BODY;

    const error = await pivot.cancelPaymentSession(SESSION_ID, inherited).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "invalid_reason", message: expect.stringContaining("got undefined") });
    expect(server.requests).toHaveLength(0);
  });
});

describe("a caller's fetch whose answer cannot be read", () => {
  /** A client whose `fetch` sends the request for real, then hands back what `answer` makes of the real Response. */
  function clientWith(answer: (real: Response) => unknown): { calls: () => number; cancel: () => Promise<unknown> } {
    let calls = 0;
    const pivot = createPivotClient({
      baseUrl: server.url,
      accessToken: "tok-option-refusals-5",
      maxRetries: 2,
      baseDelayMs: 1,
      maxDelayMs: 2,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        calls++;
        return answer(await fetch(input, init));
      }) as typeof fetch,
    });
    return { calls: () => calls, cancel: () => pivot.cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e) };
  }

  /** A Response with the real one's status and headers whose body stream fails with `reason`. */
  function failingBody(real: Response, reason: unknown): Response {
    const body = new ReadableStream({ pull: (controller) => controller.error(reason) });
    return new Response(body, { status: real.status, headers: real.headers });
  }

  it.each([
    ["an object made from Response.prototype", () => Object.create(Response.prototype)],
    [
      "a Response whose body getter throws",
      (real: Response) =>
        Object.defineProperty(real, "body", {
          get: () => {
            throw new TypeError("no body");
          },
        }),
    ],
  ])("fails as options.fetch's failure, once, when it returns %s", async (_, answer) => {
    server = await okServer();
    const client = clientWith(answer);

    const error = await client.cancel();

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({
      code: "option_failed",
      message: expect.stringMatching(/^options\.fetch returned an object that is not a usable Response/),
    });
    expect(client.calls()).toBe(1);
  });

  it("fails as options.fetch's failure, once, when the body fails with a value that is not an Error", async () => {
    server = await okServer();
    const client = clientWith((real) => failingBody(real, "cut by a string"));

    const error = await client.cancel();

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({
      code: "option_failed",
      message: expect.stringContaining("options.fetch gave a Response whose body failed"),
    });
    expect(client.calls()).toBe(1);
  });

  it.each([
    [
      "its body gives a chunk that is not a Uint8Array",
      () => new Response(new ReadableStream({ start: (controller) => controller.enqueue("text") }), { status: 200 }),
      "options.fetch gave a Response whose body gave a chunk that is not a Uint8Array",
    ],
    [
      "its headers.get throws",
      (real: Response) =>
        Object.defineProperty(new Response("{}", { status: 503 }), "headers", {
          value: {
            get: () => {
              throw new Error(`header trap ${real.status}`);
            },
          },
        }),
      "options.fetch gave a Response whose headers.get threw (Error: header trap 200)",
    ],
  ])("fails as options.fetch's failure, once and not as the network's, when %s", async (_, answer, message) => {
    server = await okServer();
    const client = clientWith(answer);

    const error = await client.cancel();

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "option_failed", message: expect.stringContaining(message) });
    expect(client.calls()).toBe(1);
  });

  it("still blames the network, and retries, when a real connection is cut mid-body under the caller's real fetch", async () => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      response.write('{"code":"00",', () => response.socket?.destroy());
    });
    const client = clientWith((real) => real);

    const error = await client.cancel();

    expect(error).toBeInstanceOf(PivotConnectionError);
    expect(client.calls()).toBe(3);
  });

  it("still blames the network, and retries, when the body fails with an Error", async () => {
    server = await okServer();
    const client = clientWith((real) => failingBody(real, new Error("connection reset mid-body")));

    const error = await client.cancel();

    expect(error).toBeInstanceOf(PivotConnectionError);
    expect(client.calls()).toBe(3);
  });
});
