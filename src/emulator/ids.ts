/**
 * Random identifiers of the emulator. Everything comes from node:crypto so two emulators (or two runs) never
 * share a token, an id or a trace id, and a test cannot pass by guessing one.
 */
import { randomBytes, randomUUID } from "node:crypto";

/** The `format: uuid` of the spec, as ajv-formats checks it (any case, hyphenated 8-4-4-4-12). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A fresh lowercase v4 UUID, the shape of Pivot's session ids. */
export function newUuid(): string {
  return randomUUID();
}

/** True when `value` is a UUID string (the shape of every Payment Session ID). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** `bytes` random bytes as lowercase hex: trace ids (16 bytes, like the docs' example) and client secrets. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** An opaque, URL-safe random string: access tokens and the fake signature of payment-page tokens. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
