/**
 * `send()`: one HTTP request to a Pivot-like server (the emulator) with `fetch`, whose response body is checked
 * against spec/openapi.yaml before the test sees it. Every test that goes through it therefore also proves that
 * the response it received is one the spec allows.
 */
import { expect } from "vitest";
import { spec, validateResponse, validateSchema } from "./spec-validator.js";

/** The spec's path templates, each with the pattern a concrete request path must match to belong to it. */
const TEMPLATES = Object.keys(spec.paths).map(
  (template) => [template, new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`)] as const,
);

/** A received response. `body` is parsed JSON that has already passed the spec check for its status. */
export interface Sent {
  status: number;
  headers: Headers;
  // `any` on purpose: the shape depends on the status, and the spec check has vouched for it.
  body: any;
}

/** What to send: JSON `body` (serialized, with Content-Type: application/json unless overridden) or a raw string. */
export interface SendInit {
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

/** Every (operation, status) whose response body was checked against the spec, for coverage assertions. */
export const checkedResponses: { operation: string; status: number }[] = [];

/**
 * POSTs (or `method`s, e.g. GET) to `url` and checks the JSON reply against the spec: against the operation's declared
 * response when the route and method exist in the spec, else against `ErrorResponse` (404/405 answers).
 */
export async function send(url: string, init: SendInit = {}, method = "POST"): Promise<Sent> {
  const headers = { ...(init.body === undefined ? {} : { "Content-Type": "application/json" }), ...init.headers };
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    expect.fail(`${method} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const path = new URL(url).pathname;
  const template = TEMPLATES.find(([, pattern]) => pattern.test(path))?.[0];
  const declared = template !== undefined && spec.paths[template]?.[method.toLowerCase()] !== undefined;
  const operation = declared ? `${method} ${template}` : "ErrorResponse";
  const errors =
    operation === "ErrorResponse"
      ? validateSchema("ErrorResponse", parsed)
      : validateResponse(template ?? "", method, response.status, parsed);
  expect(errors, `${method} ${path} → ${response.status} must match the spec: ${text.slice(0, 300)}`).toEqual([]);
  checkedResponses.push({ operation, status: response.status });
  return { status: response.status, headers: response.headers, body: parsed };
}
