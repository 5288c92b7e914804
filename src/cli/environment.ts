/** Where `pivot-cancel` finds Pivot and its credentials: `--base-url` or the PIVOT_* environment variables. */
import type { PivotClientOptions } from "../index.js";
import { UsageError } from "./usage-error.js";

/** The variables `pivot-cancel` reads, which `pivot-emulator` prints as `export` lines. */
export const ENV = {
  baseUrl: "PIVOT_BASE_URL",
  accessToken: "PIVOT_ACCESS_TOKEN",
  clientId: "PIVOT_CLIENT_ID",
  clientSecret: "PIVOT_CLIENT_SECRET",
} as const;

/**
 * The client's connection options from the flag and the environment. An empty variable counts as not set.
 * @throws UsageError naming the variable that is missing, or saying that two ways of authenticating are set.
 */
export function connectionFromEnv(baseUrlFlag: string | undefined, env: Record<string, string | undefined>): PivotClientOptions {
  const read = (name: string): string | undefined => env[name] || undefined;
  const baseUrl = baseUrlFlag ?? read(ENV.baseUrl);
  if (baseUrl === undefined) throw new UsageError(`${ENV.baseUrl} is not set: set it, pass --base-url, or use --emulator.`);
  const accessToken = read(ENV.accessToken);
  const clientId = read(ENV.clientId);
  const clientSecret = read(ENV.clientSecret);
  if (accessToken !== undefined) {
    if (clientId !== undefined || clientSecret !== undefined) {
      throw new UsageError(
        `${ENV.accessToken} and ${clientId === undefined ? ENV.clientSecret : ENV.clientId} are both set: keep one way of authenticating.`,
      );
    }
    return { baseUrl, accessToken };
  }
  if (clientId !== undefined && clientSecret !== undefined) return { baseUrl, credentials: { clientId, clientSecret } };
  if (clientId !== undefined) throw new UsageError(`${ENV.clientSecret} is not set (${ENV.clientId} is).`);
  if (clientSecret !== undefined) throw new UsageError(`${ENV.clientId} is not set (${ENV.clientSecret} is).`);
  throw new UsageError(`No credentials: set ${ENV.clientId} and ${ENV.clientSecret}, or ${ENV.accessToken}.`);
}
