/**
 * Compares two pact files for meaning: the interactions (matched by description), the parties and the pact
 * specification version. What changes without the contract changing is ignored: the versions of pact-js and of its
 * Rust core in `metadata`, the order of interactions, the order of object keys, and an interaction's derived `key`.
 */
import { readFileSync } from "node:fs";
import { isObject, jsonDifferences } from "../../scripts/spec-tooling.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Metadata entries that record tool versions, not the contract. */
const VOLATILE_METADATA = ["pact-js", "pactRust", "pactJs", "pact-jvm"];
const MAX_LINES = 40;

/** Reads a pact file as JSON; throws with the file name when it is not one. */
export function readPact(file: string): Json {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Json;
  } catch (error) {
    throw new Error(`${file} is not a readable JSON pact: ${(error as Error).message}`);
  }
}

/**
 * The differences between the committed and the fresh pact, one readable line each (`-` only in the committed one,
 * `+` only in the fresh one, `~` changed); empty when they agree. Interactions are named by their description.
 */
export function diffPacts(committed: unknown, fresh: unknown): string[] {
  const lines = jsonDifferences(normalise(committed as Json), normalise(fresh as Json), "$", childPath).map(({ path, left, right }) => {
    if (left === undefined) return `+ ${path}: ${show(right)}`;
    if (right === undefined) return `- ${path}: ${show(left)}`;
    return `~ ${path}: ${show(left)} → ${show(right)}`;
  });
  return lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`] : lines;
}

/** The pact with volatile parts removed and interactions keyed by description, so they diff by name, not position. */
function normalise(pact: Json): Json {
  if (!isObject(pact)) return pact;
  const { interactions, metadata, ...rest } = pact;
  const stableMetadata = isObject(metadata)
    ? Object.fromEntries(Object.entries(metadata).filter(([name]) => !VOLATILE_METADATA.includes(name)))
    : (metadata ?? null);
  const byDescription: { [description: string]: Json } = {};
  for (const interaction of Array.isArray(interactions) ? interactions : []) {
    if (!isObject(interaction)) continue;
    const { key: _derivedHash, ...meaning } = interaction;
    const name = typeof meaning.description === "string" ? meaning.description : JSON.stringify(meaning);
    byDescription[name] = meaning;
  }
  return { ...rest, metadata: stableMetadata, interactions: byDescription };
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
