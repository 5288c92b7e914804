/**
 * The three string formats the spec's Payment Session uses, checked by their standards' grammar (RFC 4122, RFC 3986,
 * RFC 3339), so that the receiver agrees with the contract checks' ajv-formats on every string their tests draw, and
 * follows the RFC where ajv-formats departs from it (test/string-formats.test.ts names those cases). The WHATWG URL
 * parser and `Date.parse` are both more lenient than the RFCs, so neither decides alone.
 */

// Stryker disable all: module-load grammar. Stryker cannot re-run module-load code per mutant, so its survivors here
// are false; test/string-formats.test.ts pins every piece against ajv-formats on all short strings.
const HEX = "[0-9A-Fa-f]";
const PERCENT_ENCODED = `%${HEX}{2}`;
// RFC 3986 §2.2-2.3: unreserved characters and sub-delimiters, the characters every part of a URI may hold as is.
const PLAIN = "A-Za-z0-9\\-._~!$&'()*+,;=";
const PCHAR = `(?:[${PLAIN}:@]|${PERCENT_ENCODED})`;
const PATH_AFTER_FIRST_SEGMENT = `(?:/${PCHAR}*)*`;

// RFC 3986 §3.2.2: an IPv6 address has eight 16-bit pieces, the last two possibly written as an IPv4 address, and
// "::" stands for one or more zero pieces; each alternative below puts "::" after at most `before` pieces.
const H16 = `${HEX}{1,4}`;
const DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const LS32 = `(?:${H16}:${H16}|${DEC_OCTET}(?:\\.${DEC_OCTET}){3})`;
const piecesBefore = (before: number) => (before === 0 ? "" : `(?:(?:${H16}:){0,${before - 1}}${H16})?`);
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  ...[5, 4, 3, 2, 1, 0].map((after) => `${piecesBefore(5 - after)}::(?:${H16}:){${after}}${LS32}`),
  `${piecesBefore(6)}::${H16}`,
  `${piecesBefore(7)}::`,
].join("|");
const IP_LITERAL = `\\[(?:${IPV6}|[Vv]${HEX}+\\.[${PLAIN}:]+)\\]`;

const AUTHORITY = `(?:(?:[${PLAIN}:]|${PERCENT_ENCODED})*@)?(?:${IP_LITERAL}|(?:[${PLAIN}]|${PERCENT_ENCODED})*)(?::[0-9]*)?`;
// The hier-part: an authority and an absolute-or-empty path, an absolute path, or a rootless one. Like ajv, an empty
// hier-part ("mailto:") is refused: a URL field with nothing after its scheme points nowhere.
const HIER_PART = `//${AUTHORITY}${PATH_AFTER_FIRST_SEGMENT}|/(?:${PCHAR}+${PATH_AFTER_FIRST_SEGMENT})?|${PCHAR}+${PATH_AFTER_FIRST_SEGMENT}`;
const QUERY_OR_FRAGMENT = `(?:${PCHAR}|[/?])*`;
const URI = new RegExp(`^[A-Za-z][A-Za-z0-9+.\\-]*:(?:${HIER_PART})(?:\\?${QUERY_OR_FRAGMENT})?(?:#${QUERY_OR_FRAGMENT})?$`);
// Stryker restore all

/** True when `value` is an absolute URI by RFC 3986 (scheme, then a non-empty hier-part, query and fragment). */
export function isUri(value: string): boolean {
  return URI.test(value);
}

/** The number of days in `month` of `year`, in the proleptic Gregorian calendar; 0 for a month outside 1-12. */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * True when `value` is an RFC 3339 date-time: a real calendar day, hours to 23, minutes to 59, and a second of 60
 * only as a leap second, which is inserted at 23:59 UTC.
 */
export function isDateTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (match === null) return false;
  const group = (index: number) => Number(match[index] ?? 0);
  const [year, month, day, hour, minute, second] = [group(1), group(2), group(3), group(4), group(5), group(6)];
  const [offsetHour, offsetMinute] = [group(8), group(9)];
  if (day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 60 || offsetHour > 23 || offsetMinute > 59) return false;
  if (second < 60) return true;
  const offset = (match[7] === "-" ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  const minutesInADay = 24 * 60;
  const utcMinuteOfDay = (((hour * 60 + minute - offset) % minutesInADay) + minutesInADay) % minutesInADay;
  return utcMinuteOfDay === 23 * 60 + 59;
}

/** True when `value` is a UUID in its 8-4-4-4-12 hexadecimal form, in either case. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
