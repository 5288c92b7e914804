/**
 * The callback receiver's string formats against ajv-formats, the validator the contract checks use: exhaustively on
 * short strings and on a grid of date-time edges, and by RFC 3986 and RFC 3339 where ajv-formats departs from them.
 */
import formats from "ajv-formats/dist/formats.js";
import { describe, expect, it } from "vitest";
import { isDateTime, isUri, isUuid } from "../src/callbacks/string-formats.js";

const ajvUri = formats.fullFormats.uri as (value: string) => boolean;
const ajvDateTime = (formats.fullFormats["date-time"] as { validate: (value: string) => boolean }).validate;

/** Every string of 1 to `length` characters drawn from `alphabet`. */
function* strings(alphabet: readonly string[], length: number, prefix = ""): Generator<string> {
  if (length === 0) return;
  for (const character of alphabet) {
    yield prefix + character;
    yield* strings(alphabet, length - 1, prefix + character);
  }
}

describe("isUri", () => {
  it("agrees with ajv-formats on every string of up to 5 characters from the URI grammar's delimiters", () => {
    const disagreements = [...strings(["a", "1", ":", "/", "?", "#", "%", "@", "[", "]", " ", "."], 5)].filter(
      (value) => isUri(value) !== ajvUri(value),
    );
    expect(disagreements).toEqual([]);
  });

  it.each([
    ["https://merchant.example/return?order=1#top", true],
    ["mailto:pay@merchant.example", true],
    ["urn:uuid:0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f", true],
    ["http://[::1]:8080/", true],
    ["http://[::ffff:192.0.2.1]/", true],
    ["http://[1:2:3:4:5:6:7::]/", true],
    ["http://[v1.fe80::a+en1]/", true],
    ["http://%41@merchant.example", true],
    ["http://[1::2::3]/", false],
    ["http://[1:2:3:4:5:6:7:8:9]/", false],
    ["http://[::1]x/", false],
    ["https://merchant.example/a b", false],
    ["https://merchant.example/%zz", false],
    ["https://merchant.example/\u00e9", false],
    ["mailto:", false],
    ["1https://merchant.example", false],
    // ajv-formats reads "//" as "/" plus an empty authority, so it takes these as paths; RFC 3986 §3.2 reads an
    // authority after "//", and a port is digits only.
    ["https://merchant.example:port/", false],
    ["https://a@b@merchant.example/", false],
  ])("takes %j as a URI: %s", (value, expected) => {
    expect(isUri(value)).toBe(expected);
  });
});

describe("isDateTime", () => {
  it("agrees with ajv-formats on a grid of calendar, clock, leap-second and offset edges, except minute 60 and hour 24", () => {
    const pad = (value: number) => String(value).padStart(2, "0");
    const disagreements: string[] = [];
    for (const year of [1900, 2000, 2023, 2024])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32])
          for (const hour of [0, 23, 24])
            for (const minute of [0, 59, 60])
              for (const second of ["00", "59", "60", "60.5", "61"])
                for (const offset of ["Z", "z", "+00:00", "-00:01", "+00:01", "+01:00", "-01:00", "+23:59", "+24:00", "+00:60"]) {
                  const value = `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${second}${offset}`;
                  // ajv-formats lets a leap second's arithmetic carry minute 60 and hour 24 through; RFC 3339 §5.6
                  // bounds them at 59 and 23.
                  const expected = ajvDateTime(value) && hour <= 23 && minute <= 59;
                  if (isDateTime(value) !== expected) disagreements.push(value);
                }
    expect(disagreements).toEqual([]);
  });

  it.each([
    ["2024-02-29T10:00:00Z", true],
    ["2023-02-29T10:00:00Z", false],
    ["2100-02-29T10:00:00Z", false],
    ["2000-02-29T10:00:00Z", true],
    ["2024-04-31T10:00:00Z", false],
    ["2016-12-31T23:59:60Z", true],
    ["2017-01-01T00:59:60+01:00", true],
    ["2016-12-31T23:59:60+01:00", false],
    ["2024-01-01T23:60:00+00:01", false],
    ["2024-01-01T10:00:00.123456789+07:00", true],
    ["2024-01-01T10:00:00", false],
    ["2024-01-01T10:00:00+0700", false],
    ["x2024-01-01T10:00:00Z", false],
    ["2024-01-01T10:00:00Zx", false],
  ])("takes %j as a date-time: %s", (value, expected) => {
    expect(isDateTime(value)).toBe(expected);
  });
});

describe("isUuid", () => {
  it.each([
    ["0B7F2F0E-5D8C-4A0A-9C5E-3F3F3F3F3F3F", true],
    ["0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f", true],
    ["0b7f2f0e5d8c4a0a9c5e3f3f3f3f3f3f", false],
    ["0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3g", false],
  ])("takes %j as a UUID: %s", (value, expected) => {
    expect(isUuid(value)).toBe(expected);
  });
});
