/**
 * The access tokens the emulator has issued. Tokens are opaque random strings rather than JWTs: the client must
 * treat them as opaque anyway, and an unsigned fake JWT would invite code that decodes it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { randomToken } from "./ids.js";

/** Issues bearer tokens and answers whether one is still live at the emulator's clock. */
export class TokenStore {
  /** token → expiry instant in epoch milliseconds. */
  readonly #expiries = new Map<string, number>();

  constructor(
    readonly ttlSeconds: number,
    private readonly now: () => Date,
  ) {}

  /** Issues a new token that lives `ttlSeconds` from now. */
  issue(): string {
    this.#dropExpired();
    const token = randomToken();
    this.#expiries.set(token, this.now().getTime() + this.ttlSeconds * 1000);
    return token;
  }

  /** True while `token` was issued here, not revoked, and its lifetime has not run out (the end is exclusive). */
  isLive(token: string): boolean {
    const expiry = this.#expiries.get(token);
    return expiry !== undefined && this.now().getTime() < expiry;
  }

  /** Forgets every token, so the next business call answers 401 (how tests force a token refresh). */
  revokeAll(): void {
    this.#expiries.clear();
  }

  // Without this a long-running emulator (the CLI) would keep every token ever issued.
  #dropExpired(): void {
    const now = this.now().getTime();
    for (const [token, expiry] of this.#expiries) if (expiry <= now) this.#expiries.delete(token);
  }
}

/**
 * Compares a presented credential with the expected one in constant time. Hashing first gives both sides the same
 * length, which `timingSafeEqual` needs, without revealing the expected length through an early exit.
 */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
