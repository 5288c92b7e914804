/**
 * The named types of the API's objects (`Amount`, `PaymentSession`, …) are the generated ones under a name: each
 * is assignable both ways to its generated type, so a spec change that regenerates one changes the other with it.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { components } from "../generated/schema.js";
import type { Amount, Charge, Customer, PaymentMethod, PaymentSession, PaymentSessionDetails, RedirectUrl } from "../src/index.js";

type Schemas = components["schemas"];

describe("the named API types", () => {
  it("are interchangeable with the generated schema types", () => {
    expectTypeOf<Amount>().toEqualTypeOf<Schemas["Amount"]>();
    expectTypeOf<RedirectUrl>().toEqualTypeOf<Schemas["RedirectUrl"]>();
    expectTypeOf<PaymentMethod>().toEqualTypeOf<Schemas["PaymentMethod"]>();
    expectTypeOf<Customer>().toEqualTypeOf<Schemas["Customer"]>();
    expectTypeOf<Charge>().toEqualTypeOf<Schemas["Charge"]>();
    expectTypeOf<PaymentSessionDetails>().toEqualTypeOf<Schemas["PaymentSessionDetails"]>();
    // The generated type is an intersection (the details and the cancel's narrowing), so equal means assignable both ways.
    expectTypeOf<PaymentSession>().toExtend<Schemas["PaymentSession"]>();
    expectTypeOf<Schemas["PaymentSession"]>().toExtend<PaymentSession>();
  });

  it("name the nested objects, so that a hover shows Amount rather than the generated path", () => {
    expectTypeOf<PaymentSession["amount"]>().toEqualTypeOf<Amount>();
    expectTypeOf<PaymentSessionDetails["chargeDetails"]>().toEqualTypeOf<Charge[] | null>();
  });
});
