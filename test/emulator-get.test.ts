/**
 * `GET /v2/payments/{id}` on the emulator: it reads back what the state holds, in any status, with the cancel's
 * 401/400/404 rules. Every answer goes through `send`, which holds it to spec/openapi.yaml.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PivotEmulator, type SeedSession, startPivotEmulator } from "../src/emulator/index.js";
import { SESSION_STATUSES } from "../src/emulator/sessions.js";
import { send } from "./support/pivot-http.js";
import { spec } from "./support/spec-validator.js";

function read(id: string, token = pivot.accessToken) {
  return send(`${pivot.url}/v2/payments/${id}`, { headers: { Authorization: `Bearer ${token}` } }, "GET");
}

/** The data of the retrieve page's example (a PAID card session with a customer), as the spec embeds it. */
const docsDetails = (): SeedSession =>
  structuredClone((spec.paths["/v2/payments/{id}"]!.get as any).responses["200"].content["application/json"].examples.docs.value.data);

let pivot: PivotEmulator;
beforeAll(async () => {
  pivot = await startPivotEmulator();
});
afterAll(() => pivot.close());

describe("GET /v2/payments/{id}: 200", () => {
  it.each(SESSION_STATUSES)("answers the stored session in the success envelope when it is %s", async (status) => {
    const seeded = pivot.createSession({ status });

    const res = await read(seeded.id);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: "00", message: "Success", data: pivot.getSession(seeded.id) });
  });

  it("reads back a cancel: status CANCELLED with the cancel's reason and time", async () => {
    const seeded = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
    const cancelled = await send(`${pivot.url}/v2/payments/${seeded.id}/cancel`, {
      headers: { Authorization: `Bearer ${pivot.accessToken}` },
      body: { cancellationReason: "DUPLICATED" },
    });

    const res = await read(seeded.id);

    expect(res.body.data).toEqual(cancelled.body.data);
    expect(res.body.data).toMatchObject({ status: "CANCELLED", cancellationReason: "DUPLICATED" });
  });

  it("finds the session by its id in upper case", async () => {
    const seeded = pivot.createSession();
    expect((await read(seeded.id.toUpperCase())).body.data.id).toBe(seeded.id);
  });

  it("carries the documented details a seed gives: customer, charges with risk, card fingerprint and captures", async () => {
    const seed = docsDetails();
    const res = await read(pivot.createSession(seed).id);

    expect(res.body.data).toEqual(seed);
    expect(res.body.data.chargeDetails[0].card.fingerprint).toBe("03765362-4f67-41c6-a6c7-4a7520dcbc36");
  });

  it("carries a reason only Pivot sets, and an investigation status", async () => {
    const seeded = pivot.createSession({
      status: "CANCELLED",
      cancellationReason: "FRAUDULENT",
      investigationStatus: "INVESTIGATION_IN_PROCESS",
    });

    expect((await read(seeded.id)).body.data).toMatchObject({
      cancellationReason: "FRAUDULENT",
      investigationStatus: "INVESTIGATION_IN_PROCESS",
    });
  });

  it("gives a session seeded as CANCELLED the cancel fields of a merchant's void, unless the seed sets them", () => {
    const plain = pivot.createSession({ status: "CANCELLED" });
    const own = pivot.createSession({ status: "CANCELLED", cancelledAt: "2025-03-30T14:12:28Z", cancellationReason: "DUPLICATED" });

    expect(plain).toMatchObject({ cancelledAt: plain.createdAt, cancellationReason: "VOID_SESSION" });
    expect(own).toMatchObject({ cancelledAt: "2025-03-30T14:12:28Z", cancellationReason: "DUPLICATED" });
    expect(pivot.createSession({ status: "PAID" })).not.toHaveProperty("cancellationReason");
  });
});

describe("GET /v2/payments/{id}: errors, as for cancel", () => {
  it("answers 401 credentials_invalid without a token, with an unknown one, and after revocation", async () => {
    const own = await startPivotEmulator();
    try {
      const id = own.createSession().id;
      const url = `${own.url}/v2/payments/${id}`;
      expect((await send(url, {}, "GET")).status).toBe(401);
      expect((await send(url, { headers: { Authorization: "Bearer never-issued" } }, "GET")).body.code).toBe("credentials_invalid");
      own.revokeTokens();
      expect((await send(url, { headers: { Authorization: `Bearer ${own.accessToken}` } }, "GET")).status).toBe(401);
    } finally {
      await own.close();
    }
  });

  it("answers 404 resource_missing naming an unknown id", async () => {
    const id = "0d8e1a52-3f4b-4c6d-9e7f-a1b2c3d4e5f6";
    const res = await read(id);

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "resource_missing", message: `The payment session with ID ${id} cannot be found` });
  });

  it("answers 400 naming the id when it is not a UUID", async () => {
    const res = await read("not-a-uuid");

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: "id", message: "must be a UUID" }]);
  });

  it.each(["POST", "PUT", "DELETE"])("answers %s on the session path with 405 and Allow: GET", async (method) => {
    const res = await send(`${pivot.url}/v2/payments/${pivot.createSession().id}`, {}, method);

    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
  });

  it("applies a fault queued for the get-session endpoint only to reads", async () => {
    const id = pivot.createSession().id;
    pivot.failNext({ endpoint: "get-session", status: 503 });

    expect((await read(id)).status).toBe(503);
    expect((await read(id)).status).toBe(200);
    expect(pivot.requests.at(-2)).toMatchObject({ method: "GET", endpoint: "get-session", status: 503, faulted: true });
  });
});
