/**
 * The pact against the spec (support/spec-check.ts, the same check as `npm run pact:validate`). One validator run
 * covers both directions, because a run (spec and pact parsed, every interaction checked) is slow: the fresh pact's own interactions must pass, and deliberately
 * broken copies of one of them, appended to the same file, must each fail with the error that names their defect.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPact } from "./support/pact-diff.js";
import { FRESH_PACT_FILE } from "./support/pact-files.js";
import { checkPactAgainstSpec, type SpecCheckResult } from "./support/spec-check.js";

interface Interaction {
  description: string;
  request: { body?: { content?: Record<string, unknown> } };
  response: { status: number; body: { content: { data: Record<string, unknown> & { amount: Record<string, unknown> } } } };
}
interface PactFile {
  interactions: Interaction[];
}

const ORIGINAL = "a request to cancel a session awaiting a payment method";
const READ_BACK = "a request to read back a cancelled session";

/**
 * Each defect: how it breaks a copy of an interaction (the cancel above unless `of` names another), and the
 * validator error that must name it.
 */
const DEFECTS: { name: string; of?: string; breakIt: (copy: Interaction) => void; code: string; message: RegExp }[] = [
  {
    name: "a response field the spec does not define",
    breakIt: (copy) => {
      copy.response.body.content.data.refundedAt = "2025-03-30T14:12:28Z";
    },
    code: "response.body.incompatible",
    // The cancel's PaymentSession is an allOf (PaymentSessionDetails narrowed); the validator closes such a schema
    // with unevaluatedProperties, whose message does not name the member.
    message: /must NOT have (additional properties - refundedAt|unevaluated properties)/,
  },
  {
    name: "amount.value as a string",
    breakIt: (copy) => {
      copy.response.body.content.data.amount.value = "10000";
    },
    code: "response.body.incompatible",
    message: /must be number/,
  },
  {
    name: "a required response field left out",
    breakIt: (copy) => {
      delete copy.response.body.content.data.cancelledAt;
    },
    code: "response.body.incompatible",
    message: /must have required property 'cancelledAt'/,
  },
  {
    name: "a request body field the spec does not define",
    breakIt: (copy) => {
      copy.request.body = { ...copy.request.body, content: { cancellationReason: "REQUESTED_BY_CUSTOMER", note: "by phone" } };
    },
    code: "request.body.incompatible",
    message: /must NOT have additional properties/,
  },
  {
    name: "a read-back whose cancellationReason is none of the object's five",
    of: READ_BACK,
    breakIt: (copy) => {
      copy.response.body.content.data.cancellationReason = "CHANGED_MIND";
    },
    code: "response.body.incompatible",
    message: /must be equal to one of the allowed values/,
  },
  {
    name: "a read-back with a field the object does not define",
    of: READ_BACK,
    breakIt: (copy) => {
      copy.response.body.content.data.refundedAt = "2025-03-30T14:12:28Z";
    },
    code: "response.body.incompatible",
    message: /must NOT have additional properties - refundedAt/,
  },
  {
    name: "a status the spec does not list",
    breakIt: (copy) => {
      copy.response.status = 418;
    },
    code: "response.status.unknown",
    message: /418/,
  },
];

const brokenDescription = (defect: string) => `a copy [broken: ${defect}]`;

let workDir: string;
let result: SpecCheckResult;
let originalDescriptions: string[];

beforeAll(async () => {
  const pact = readPact(FRESH_PACT_FILE) as unknown as PactFile;
  originalDescriptions = pact.interactions.map((i) => i.description);
  for (const defect of DEFECTS) {
    const original = pact.interactions.find((i) => i.description === (defect.of ?? ORIGINAL));
    if (original === undefined) throw new Error(`the fresh pact has no interaction "${defect.of ?? ORIGINAL}"`);
    const copy = structuredClone(original);
    copy.description = brokenDescription(defect.name);
    defect.breakIt(copy);
    pact.interactions.push(copy);
  }
  workDir = mkdtempSync(join(tmpdir(), "pact-spec-"));
  const file = join(workDir, "pact-with-broken-copies.json");
  writeFileSync(file, JSON.stringify(pact));
  result = await checkPactAgainstSpec(file);
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const errorsOf = (description: string) => result.errors.filter((e) => e.mockDetails?.interactionDescription === description);

describe("the pact checked against spec/openapi.yaml", () => {
  it("finds no error in the interactions the consumer tests wrote", () => {
    for (const description of originalDescriptions) expect(errorsOf(description), description).toEqual([]);
  });

  it.each(DEFECTS)("rejects an interaction with $name", ({ name, code, message }) => {
    const errors = errorsOf(brokenDescription(name));
    expect(errors.length, `no error for "${name}"`).toBeGreaterThan(0);
    expect(
      errors.some((e) => e.code === code && message.test(e.message)),
      JSON.stringify(errors.map((e) => [e.code, e.message])),
    ).toBe(true);
  });

  it("fails the whole check when any interaction is broken", () => {
    expect(result.ok).toBe(false);
  });
});
