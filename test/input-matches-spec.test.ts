/**
 * The client's hand-written lists of reasons and cancellable statuses, and the X-REQUEST-ID rule that the client and
 * the emulator each write down, must stay equal to the spec, which is the source of truth: a reason added to
 * spec/openapi.yaml without the client knowing would be refused.
 */
import { describe, expect, it } from "vitest";
import { loadSpec } from "../scripts/spec-tooling.js";
import { requestIdDetails } from "../src/emulator/validation.js";
import { CANCELLABLE_STATUSES, CANCELLATION_REASONS } from "../src/index.js";
import { checkIdempotencyKey } from "../src/input.js";

interface SpecExcerpt {
  paths: Record<string, { post: { "x-cancellable-statuses": string[] } }>;
  components: {
    schemas: { CancellationReason: { enum: string[] }; PaymentSessionStatus: { enum: string[] } };
    parameters: { RequestId: { schema: { pattern: string } } };
  };
}

const spec = loadSpec() as SpecExcerpt;
const cancel = spec.paths["/v2/payments/{id}/cancel"]?.post;

describe("the client's enums and the spec", () => {
  it("CANCELLATION_REASONS equals the spec's CancellationReason enum", () => {
    expect([...CANCELLATION_REASONS].sort()).toEqual([...spec.components.schemas.CancellationReason.enum].sort());
  });

  it("CANCELLABLE_STATUSES equals the cancel operation's x-cancellable-statuses", () => {
    expect(cancel).toBeDefined();
    expect([...CANCELLABLE_STATUSES].sort()).toEqual([...(cancel?.["x-cancellable-statuses"] ?? [])].sort());
  });

  it("every cancellable status is a PaymentSessionStatus of the spec", () => {
    for (const status of CANCELLABLE_STATUSES) expect(spec.components.schemas.PaymentSessionStatus.enum).toContain(status);
  });

  it("both lists are frozen, so no caller can widen them at run time", () => {
    expect(Object.isFrozen(CANCELLATION_REASONS)).toBe(true);
    expect(Object.isFrozen(CANCELLABLE_STATUSES)).toBe(true);
  });
});

describe("the X-REQUEST-ID rule and the spec", () => {
  const pattern = new RegExp(spec.components.parameters.RequestId.schema.pattern);
  const candidates = [
    "a".repeat(15),
    "a".repeat(16),
    "Z9".repeat(18),
    "a".repeat(37),
    `${"a".repeat(15)}-`,
    `${"a".repeat(15)}_`,
    `${"a".repeat(15)}\u00e9`,
    `${"a".repeat(16)}\n`,
    ` ${"a".repeat(16)}`,
    "",
  ];

  it.each(candidates)("the client and the emulator both accept %j exactly when the spec's pattern does", (candidate) => {
    const clientAccepts = (() => {
      try {
        return checkIdempotencyKey(candidate) === candidate;
      } catch {
        return false;
      }
    })();
    expect(clientAccepts).toBe(pattern.test(candidate));
    expect(requestIdDetails(candidate).length === 0).toBe(pattern.test(candidate));
  });
});
