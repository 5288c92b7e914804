/**
 * The session id in a request path to a Pivot-like test server: one place for the test servers, the bench and the
 * load run to read paths the way Pivot routes them.
 */

/** The id in `path` when it matches `pattern`, decoded; undefined for any other path or a malformed percent-encoding. */
function idIn(pattern: RegExp, path: string): string | undefined {
  const match = pattern.exec(path);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined; // not a path any correct client sends
  }
}

/**
 * The session id named by a cancel path (`…/v2/payments/{id}/cancel`), decoded; undefined for any other path. Not
 * anchored at the start: a base URL may put a path prefix in front.
 */
export const cancelledIdOf = (path: string) => idIn(/\/v2\/payments\/([^/?#]+)\/cancel$/, path);

/** The session id named by a read-back path (`…/v2/payments/{id}`), decoded; undefined for any other path. */
export const readIdOf = (path: string) => idIn(/\/v2\/payments\/([^/?#]+)$/, path);
