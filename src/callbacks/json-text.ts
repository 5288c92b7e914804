/**
 * JSON text of a value that a JSON body parser left in `req.body`, at any depth. `JSON.parse` (and so
 * `express.json()`) reads nesting of any depth, but `JSON.stringify` recurses on the call stack and throws a
 * `RangeError` past a few thousand levels; an authenticated delivery nested that deep must still be handed on, or
 * Pivot retries it until it gives up.
 */

/** One container being written: the rest of an array's items or of an object's entries, and whether one was written. */
type OpenContainer = { value: object; started: boolean } & ({ items: Iterator<unknown> } | { entries: Iterator<[string, unknown]> });

/**
 * `JSON.stringify(value)`, and the same text where that runs out of stack.
 * @throws {TypeError} `value` is not JSON data: `undefined`, a function or symbol, a BigInt, a cycle; or, past the
 *   stack's depth, an object with its own `toJSON` (a `Date`), which only `JSON.stringify` knows how to write.
 */
export function jsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Out of stack (a RangeError), or not JSON data, which the writer below refuses with its own TypeError.
    return deepJsonText(value);
  }
  if (text === undefined) throw new TypeError(`a ${typeof value} is not JSON data`);
  return text;
}

/** `JSON.stringify` for plain JSON data, with its own stack of open containers instead of the call stack. */
function deepJsonText(root: unknown): string {
  const parts: string[] = [];
  const open: OpenContainer[] = [];
  const ancestors = new Set<unknown>();
  const write = (value: unknown): void => {
    if (typeof value !== "object" || value === null) {
      // A string, number, boolean or null; JSON.stringify writes these without recursing (and throws on a BigInt).
      const leaf = JSON.stringify(value);
      if (leaf === undefined) throw new TypeError(`a ${typeof value} is not JSON data`);
      parts.push(leaf);
      return;
    }
    if (ancestors.has(value)) throw new TypeError("the value holds a cycle, which JSON cannot write");
    if ("toJSON" in value && typeof value.toJSON === "function") throw new TypeError("an object with toJSON is not plain JSON data");
    ancestors.add(value);
    if (Array.isArray(value)) {
      parts.push("[");
      open.push({ value, started: false, items: value.values() });
    } else {
      parts.push("{");
      open.push({ value, started: false, entries: Object.entries(value).values() });
    }
  };
  const next = (top: OpenContainer): { member: unknown; name?: string } | undefined => {
    if ("items" in top) {
      const item = top.items.next();
      return item.done ? undefined : { member: item.value };
    }
    const entry = top.entries.next();
    return entry.done ? undefined : { name: entry.value[0], member: entry.value[1] };
  };

  write(root);
  for (let top = open.at(-1); top !== undefined; top = open.at(-1)) {
    const member = next(top);
    if (member === undefined) {
      open.pop();
      ancestors.delete(top.value);
      parts.push("items" in top ? "]" : "}");
      continue;
    }
    if (top.started) parts.push(",");
    top.started = true;
    if (member.name !== undefined) parts.push(JSON.stringify(member.name), ":");
    write(member.member);
  }
  return parts.join("");
}
