/**
 * `createRawClient` (pivot-payment-client/raw): openapi-fetch on a client's base URL, fetch and token source,
 * for clients made by `createPivotClient` only. Redirects and the credentials exchange are covered in
 * hostile-server.test.ts and auth.test.ts.
 */

import { createServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { inspect } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PivotEmulator, startPivotEmulator } from "../src/emulator/index.js";
import {
  createPivotClient,
  PivotAuthenticationError,
  type PivotClient,
  PivotConnectionError,
  PivotInputError,
  PivotResponseError,
  PivotTimeoutError,
} from "../src/index.js";
import { createRawClient } from "../src/raw.js";
import { rejectionOf } from "./support/attempts.js";
import { closedPort, type Listening, listenOnLoopback } from "./support/loopback.js";
import { TRANSPORTS } from "./support/transports.js";

let emulator: PivotEmulator;
beforeAll(async () => {
  emulator = await startPivotEmulator();
});
afterAll(() => emulator.close());

const never = () => new Promise<string>(() => {});

describe("createRawClient", () => {
  it("sends spec-typed requests through the client's own fetch, with the client's token as a bearer", async () => {
    const session = emulator.createSession({ status: "REQUIRE_CONFIRMATION" });
    const sent: string[] = [];
    const pivot = createPivotClient({
      baseUrl: emulator.url,
      accessToken: emulator.accessToken,
      fetch: (input, init) => {
        sent.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });

    const { data, response } = await createRawClient(pivot).GET("/v2/payments/{id}", { params: { path: { id: session.id } } });

    expect(response.status).toBe(200);
    expect(data?.data.status).toBe("REQUIRE_CONFIRMATION");
    expect(sent).toEqual([`${emulator.url}/v2/payments/${session.id}`]);
  });

  it.each<[string, unknown]>([
    ["undefined", undefined],
    ["an options object", { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-raw-tests-1" }],
    [
      "a copy of a client's methods",
      { ...createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-raw-tests-1" }) },
    ],
  ])("throws a PivotInputError saying to pass a client from createPivotClient when given %s", (_case, notAClient) => {
    let thrown: unknown;
    try {
      createRawClient(notAClient as PivotClient);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(PivotInputError);
    expect(thrown).toMatchObject({ code: "invalid_option", message: expect.stringMatching(/needs a client made by createPivotClient/) });
  });

  it("gives up on a token provider that never answers after the client's timeoutMs, with a PivotTimeoutError and nothing sent", async () => {
    const before = emulator.requests.length;
    const raw = createRawClient(createPivotClient({ baseUrl: emulator.url, accessToken: never, timeoutMs: 50 }));

    const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id: crypto.randomUUID() } } }));

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toMatch(/^No access token within the client's timeoutMs \(50 ms\); nothing was sent\.$/);
    expect(emulator.requests).toHaveLength(before);
  });

  it("stops waiting for the token when the request's signal aborts, rejecting with the signal's reason and sending nothing", async () => {
    const before = emulator.requests.length;
    const raw = createRawClient(createPivotClient({ baseUrl: emulator.url, accessToken: never }));
    const controller = new AbortController();
    const reason = new Error("user navigated away");

    const pending = raw.GET("/v2/payments/{id}", { params: { path: { id: crypto.randomUUID() } }, signal: controller.signal });
    controller.abort(reason);

    expect(await rejectionOf(pending)).toBe(reason);
    expect(emulator.requests).toHaveLength(before);
  });
});

describe("createRawClient and a server that stalls", () => {
  let stalled: Listening;
  beforeAll(async () => {
    stalled = await listenOnLoopback(
      createServer((request, response) => {
        // Headers, then nothing, for the body path; nothing at all for every other path.
        if (request.url?.endsWith("/body")) response.writeHead(200, { "content-type": "application/json" }).write('{"code":');
      }),
    );
  });
  afterAll(() => stalled.close());
  const raw = () => createRawClient(createPivotClient({ baseUrl: stalled.origin, accessToken: "tok-raw-tests-1", timeoutMs: 200 }));

  it("gives up on an answer that never comes after the client's timeoutMs, with a PivotTimeoutError", async () => {
    const error = await rejectionOf(raw().GET("/v2/payments/{id}", { params: { path: { id: crypto.randomUUID() } } }));

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toBe("No answer within the client's timeoutMs (200 ms).");
  });

  it("gives up on a body that stalls after the headers once the client's timeoutMs has passed, with a PivotTimeoutError", async () => {
    const error = await rejectionOf(raw().GET("/v2/payments/{id}", { params: { path: { id: "body" } } }));

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toBe("No whole answer within the client's timeoutMs (200 ms).");
  });

  it("gives up on time even when a garbage collection runs while it waits", async () => {
    // A signal that only AbortSignal.any holds can be collected before it fires; the bound must not rest on one.
    setFlagsFromString("--expose-gc");
    const collect = runInNewContext("gc") as () => void;
    const pending = rejectionOf(raw().GET("/v2/payments/{id}", { params: { path: { id: "body" } } }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    collect();

    expect(await pending).toBeInstanceOf(PivotTimeoutError);
  });

  it.each([
    ["waits for the answer", "answer"],
    ["reads a body that stalls", "body"],
  ])("rejects with the request signal's own reason when the caller aborts while it %s", async (_case, id) => {
    const controller = new AbortController();
    const reason = new Error("the caller's own reason");
    const pending = raw().GET("/v2/payments/{id}", { params: { path: { id } }, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);

    expect(await rejectionOf(pending)).toBe(reason);
  });
});

describe("createRawClient and an answer it cannot hand on", () => {
  const id = "f5011fb2-e205-46ad-ac20-481429ba1d32";
  const token = "tok-raw-echo-0123456789";
  /** A client whose every request is answered `status` with `body`, through an injected fetch. */
  const answering = (status: number, body: BodyInit | null, maxResponseBytes = 1_048_576) =>
    createRawClient(
      createPivotClient({
        baseUrl: "https://api.pivot-payment.com",
        accessToken: token,
        maxResponseBytes,
        fetch: async () => new Response(body, { status }),
      }),
    );
  /** Everything a caller can read of `error`, to look for the token in. */
  const everything = (error: unknown) => `${inspect(error, { showHidden: true, depth: 10 })} ${JSON.stringify(error)}`;

  it.each([
    ["the token alone", token],
    ["the token in HTML", `<p>${token}</p>`],
  ])("rejects a 2xx whose body is not JSON (%s) with a PivotResponseError that does not quote the token", async (_case, body) => {
    const error = await rejectionOf(answering(200, body).GET("/v2/payments/{id}", { params: { path: { id } } }));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({ status: 200, message: "Pivot answered 200 but the body is not JSON." });
    expect(everything(error)).not.toContain(token);
    expect(everything(error)).not.toContain(token.slice(-10));
  });

  it("rejects a 2xx whose body is only white space, which is not JSON either, with a PivotResponseError", async () => {
    const error = await rejectionOf(answering(200, " \n").GET("/v2/payments/{id}", { params: { path: { id } } }));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect((error as Error).message).toBe("Pivot answered 200 but the body is not JSON.");
  });

  it("rejects with fetch's own failure, naming the option, when the body of the caller's fetch fails with a value that is not an Error", async () => {
    const failing = new ReadableStream({
      pull(controller) {
        controller.error("a string, not an Error");
      },
    });

    const error = await rejectionOf(answering(200, failing).GET("/v2/payments/{id}", { params: { path: { id } } }));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "option_failed" });
    expect((error as Error).message).toMatch(/^options\.fetch gave a Response whose body failed/);
  });

  it("rejects a 2xx larger than the client's maxResponseBytes with a PivotResponseError", async () => {
    const error = await rejectionOf(
      answering(200, JSON.stringify({ code: "00", data: "x".repeat(100) }), 64).GET("/v2/payments/{id}", { params: { path: { id } } }),
    );

    expect(error).toBeInstanceOf(PivotResponseError);
    expect((error as Error).message).toBe("Pivot answered 200 but the body is larger than maxResponseBytes; it was not read to the end.");
  });

  it("hands on a 2xx JSON body, an error's body that is not JSON (a 599 too), and a 204 as openapi-fetch reads them", async () => {
    const session = { code: "00", data: { id } };

    expect((await answering(200, JSON.stringify(session)).GET("/v2/payments/{id}", { params: { path: { id } } })).data).toEqual(session);
    expect((await answering(502, "<html>Bad gateway</html>").GET("/v2/payments/{id}", { params: { path: { id } } })).error).toBe(
      "<html>Bad gateway</html>",
    );
    const last = await answering(599, "the last status a Response can carry").GET("/v2/payments/{id}", { params: { path: { id } } });
    expect(last).toMatchObject({ error: "the last status a Response can carry", response: { status: 599 } });
    const empty = await answering(204, null).GET("/v2/payments/{id}", { params: { path: { id } } });
    expect(empty).toMatchObject({ data: undefined, response: { status: 204 } });
  });
});

describe("createRawClient and a status outside 200–599", () => {
  let odd: TcpServer;
  let origin: string;
  beforeAll(async () => {
    odd = createTcpServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end("HTTP/1.1 600 Odd\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}"));
    });
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    const address = odd.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => odd.close(() => resolve())));

  it("rejects with a PivotResponseError, since no Response can be made with it", async () => {
    const raw = createRawClient(createPivotClient({ baseUrl: origin, accessToken: "tok-raw-tests-1" }));

    const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id: "odd" } } }));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({ status: 600, message: "Pivot answered 600 but the status is not one the client knows." });
  });
});

describe("createRawClient and a body cut mid-way", () => {
  let cutting: Listening;
  beforeAll(async () => {
    cutting = await listenOnLoopback(
      createServer((_request, response) => {
        response
          .writeHead(200, { "content-type": "application/json", "content-length": "1000" })
          .write('{"code":"00"', () => response.destroy());
      }),
    );
  });
  afterAll(() => cutting.close());

  it("rejects with a PivotConnectionError", async () => {
    const raw = createRawClient(createPivotClient({ baseUrl: cutting.origin, accessToken: "tok-raw-tests-1" }));

    const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id: "cut" } } }));

    expect(error).toBeInstanceOf(PivotConnectionError);
  });
});

describe("createRawClient and a refused token", () => {
  it("drops the cached token on a 401, so that the next request exchanges the credentials again", async () => {
    const pivot = createPivotClient({ baseUrl: emulator.url, credentials: emulator.credentials });
    const raw = createRawClient(pivot);
    const session = emulator.createSession({ status: "REQUIRE_CONFIRMATION" });
    await raw.GET("/v2/payments/{id}", { params: { path: { id: session.id } } });
    emulator.revokeTokens();

    const refused = await raw.GET("/v2/payments/{id}", { params: { path: { id: session.id } } });
    const next = await raw.GET("/v2/payments/{id}", { params: { path: { id: session.id } } });

    expect(refused.response.status).toBe(401);
    expect(next.response.status).toBe(200);
  });

  it("keeps the exchanged token for the next request after an answer other than 401", async () => {
    const pivot = createPivotClient({ baseUrl: emulator.url, credentials: emulator.credentials });
    const raw = createRawClient(pivot);
    const session = emulator.createSession({ status: "REQUIRE_CONFIRMATION" });
    const exchanges = () => emulator.requests.filter((request) => request.path === "/v1/access-token").length;
    const before = exchanges();

    await raw.GET("/v2/payments/{id}", { params: { path: { id: session.id } } });
    await raw.GET("/v2/payments/{id}", { params: { path: { id: session.id } } });

    expect(exchanges() - before).toBe(1);
  });
});

describe("createRawClient's requests, on an injected fetch", () => {
  const id = "f5011fb2-e205-46ad-ac20-481429ba1d32";
  /** A fetch that records each request and answers it with `answer`. */
  function recording(answer: (request: Request) => Response = () => Response.json({ code: "00", data: null })) {
    const requests: Request[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      requests.push(request);
      return answer(request);
    };
    return { fetch, requests };
  }

  it("sends the caller's own Authorization header as given, without asking for a token", async () => {
    const target = recording();
    let asked = 0;
    const raw = createRawClient(
      createPivotClient({
        baseUrl: "https://api.pivot-payment.com",
        accessToken: () => {
          asked++;
          return "tok-raw-provided-1";
        },
        fetch: target.fetch,
      }),
    );

    await raw.GET("/v2/payments/{id}", { params: { path: { id } }, headers: { Authorization: "Bearer tok-raw-callers-own" } });

    expect(target.requests[0]?.headers.get("Authorization")).toBe("Bearer tok-raw-callers-own");
    expect(asked).toBe(0);
  });

  it("never follows a redirect, even when the request asks to", async () => {
    const target = recording(() => new Response(null, { status: 302, headers: { Location: "https://elsewhere.example/" } }));
    const raw = createRawClient(
      createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-raw-tests-1", fetch: target.fetch }),
    );

    const { response } = await raw.GET("/v2/payments/{id}", { params: { path: { id } }, redirect: "follow" });

    expect(response.status).toBe(302);
    expect(target.requests.map((request) => request.redirect)).toEqual(["manual"]);
  });

  it("rejects with the token step's own error when the token endpoint refuses the credentials, sending nothing else", async () => {
    const target = recording((request) =>
      request.url.endsWith("/v1/access-token")
        ? Response.json({ code: "unauthorized", message: "bad credentials", error: { type: "AUTH" }, data: null }, { status: 401 })
        : Response.json({ code: "00", data: null }),
    );
    const raw = createRawClient(
      createPivotClient({
        baseUrl: "https://api.pivot-payment.com",
        credentials: { clientId: "merchant-raw", clientSecret: "secret-raw-tests-1" },
        fetch: target.fetch,
      }),
    );

    const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }));

    expect(error).toBeInstanceOf(PivotAuthenticationError);
    expect(target.requests.map((request) => new URL(request.url).pathname)).toEqual(["/v1/access-token"]);
  });

  it("rejects with the token provider's failure when it throws, sending nothing", async () => {
    const target = recording();
    const raw = createRawClient(
      createPivotClient({
        baseUrl: "https://api.pivot-payment.com",
        accessToken: () => {
          throw new Error("vault unreachable");
        },
        fetch: target.fetch,
      }),
    );

    const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(target.requests).toHaveLength(0);
  });

  it("rejects with a connection error caused by the fetch's own failure, not a timeout, when the fetch fails within the client's timeoutMs", async () => {
    const failure = new TypeError("fetch failed");
    const raw = createRawClient(
      createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-raw-tests-1", fetch: () => Promise.reject(failure) }),
    );

    const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }));
    expect(error).toBeInstanceOf(PivotConnectionError);
    expect(error).toMatchObject({ cause: { name: "TypeError", message: "fetch failed" } });
  });
});

describe("createRawClient and a fetch that ignores its signal", () => {
  const id = "f5011fb2-e205-46ad-ac20-481429ba1d32";
  const endless = () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }), { status: 200 });
  const ignoring = (answer: () => Promise<Response>) =>
    createRawClient(
      createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-raw-tests-1", timeoutMs: 200, fetch: answer }),
    );

  it.each([
    ["never settles", "No answer", () => new Promise<Response>(() => {})],
    ["answers with a body that never ends", "No whole answer", async () => endless()],
  ])("gives up after the client's timeoutMs when the fetch %s", async (_case, what, answer) => {
    const error = await rejectionOf(ignoring(answer).GET("/v2/payments/{id}", { params: { path: { id } } }));

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toBe(`${what} within the client's timeoutMs (200 ms).`);
  });

  it("rejects with the caller's reason when the caller aborts while the fetch it sent never settles", async () => {
    const controller = new AbortController();
    const reason = new Error("the caller's own reason");
    const sent = () => {
      setTimeout(() => controller.abort(reason), 10);
      return new Promise<Response>(() => {});
    };
    const pending = ignoring(sent).GET("/v2/payments/{id}", { params: { path: { id } }, signal: controller.signal });

    expect(await rejectionOf(pending)).toBe(reason);
  });
});

describe("createRawClient and the secrets an answer echoes", () => {
  const id = "f5011fb2-e205-46ad-ac20-481429ba1d32";
  /** A fetch that answers `status` with the request's bearer token in the body. */
  const echoing =
    (status: number) =>
    async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
      new Response(`echo: ${new Request(input, init).headers.get("Authorization")}`, { status });

  it("masks each token of a provider that rotates them, in every error of concurrent requests", async () => {
    let issued = 0;
    const tokens: string[] = [];
    const raw = createRawClient(
      createPivotClient({
        baseUrl: "https://api.pivot-payment.com",
        accessToken: () => {
          const token = `tok-rotating-${++issued}-0123456789abcdef`;
          tokens.push(token);
          return token;
        },
        fetch: echoing(200),
      }),
    );

    const errors = await Promise.all(
      Array.from({ length: 12 }, () => rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }))),
    );

    expect(tokens).toHaveLength(12);
    for (const error of errors) {
      expect(error).toBeInstanceOf(PivotResponseError);
      for (const token of tokens) expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain(token);
    }
  });

  it("masks the token in the body of an error answer it hands on", async () => {
    const token = "tok-raw-echo-0123456789";
    const raw = (status: number) =>
      createRawClient(createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: token, fetch: echoing(status) }));

    const refused = await raw(401).GET("/v2/payments/{id}", { params: { path: { id } } });
    expect(refused.error).toBe("echo: Bearer [REDACTED]");
  });
});

describe("createRawClient and a network failure, on either transport of the token step", () => {
  const id = "f5011fb2-e205-46ad-ac20-481429ba1d32";
  const secret = "secret-raw-echo-Zq9+/ 0123";
  const token = "tok-raw-echo-Wx7.4567";
  /** Answers any request with a status line and a header no parser accepts (a control byte), echoing `header`'s value. */
  let echo: TcpServer;
  let origin: string;
  beforeAll(async () => {
    echo = createTcpServer((socket) => {
      let head = "";
      socket.on("error", () => {});
      socket.on("data", (chunk) => {
        head += chunk;
        if (!head.includes("\r\n\r\n")) return;
        const echoed = /^(?:x-merchant-secret|authorization): (.*)\r$/im.exec(head)?.[1] ?? "";
        socket.end(`HTTP/1.1 200 OK\r\nX-Echo: ${echoed}\x01\r\n\r\n`);
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const address = echo.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  /** Every way an error may be shown or walked: its text, its stack, its causes, every hidden property. */
  function renderings(error: unknown): string[] {
    const seen: string[] = [JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })];
    for (let e: unknown = error; e instanceof Error; e = e.cause) seen.push(e.message, e.stack ?? "", String(e));
    return seen;
  }
  function expectNo(hidden: string, error: unknown): void {
    const spaced = Buffer.from(hidden.slice(0, 8))
      .toString("hex")
      .replace(/(..)(?!$)/g, "$1 ");
    for (const text of renderings(error)) {
      expect(text).not.toContain(hidden.trim());
      expect(text).not.toContain(spaced);
    }
  }

  it.each(Object.entries(TRANSPORTS))(
    "on %s, rejects with a PivotConnectionError holding no trace of the client secret when the token endpoint's malformed answer echoes it",
    async (_transport, factory) => {
      const raw = createRawClient(factory({ baseUrl: origin, credentials: { clientId: "merchant-raw", clientSecret: secret } }));

      const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }));

      expect(error).toBeInstanceOf(PivotConnectionError);
      expect((error as Error).message).toMatch(/^Could not reach http:\/\/127\.0\.0\.1:\d+/);
      expectNo(secret, error);
    },
  );

  it.each(Object.entries(TRANSPORTS))(
    "on %s, rejects with a PivotConnectionError holding no trace of the token when the answer to its request echoes it malformed",
    async (_transport, factory) => {
      const raw = createRawClient(factory({ baseUrl: origin, accessToken: token }));

      const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }));

      expect(error).toBeInstanceOf(PivotConnectionError);
      expectNo(token, error);
    },
  );

  it.each(Object.entries(TRANSPORTS))(
    "on %s, rejects with a PivotConnectionError naming ECONNREFUSED when nothing listens, at the token step or the request",
    async (_transport, factory) => {
      const refused = `http://127.0.0.1:${await closedPort()}`;
      const viaCredentials = createRawClient(
        factory({ baseUrl: refused, credentials: { clientId: "merchant-raw", clientSecret: secret } }),
      );
      const viaToken = createRawClient(factory({ baseUrl: refused, accessToken: token }));

      for (const raw of [viaCredentials, viaToken]) {
        const error = await rejectionOf(raw.GET("/v2/payments/{id}", { params: { path: { id } } }));
        expect(error).toBeInstanceOf(PivotConnectionError);
        expect((error as PivotConnectionError).cause).toMatchObject({ code: "ECONNREFUSED" });
      }
    },
  );
});

describe("the registry of clients, shared by the package's builds", () => {
  it("is one map per process under a global symbol, so that the other build's createRawClient finds this build's clients", () => {
    const pivot = createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-raw-tests-1" });

    const registry: unknown = Reflect.get(globalThis, Symbol.for("pivot-payment-client.client-cores"));

    expect(registry).toBeInstanceOf(WeakMap);
    expect((registry as WeakMap<object, unknown>).has(pivot)).toBe(true);
  });
});
