/**
 * Money is exact: integer nano-USD (1e-9 USD) in BigInt, never a binary float (DESIGN §6).
 * These helpers are the only places where decimal text or JavaScript numbers become nano-USD
 * and back.
 */

/** Nano-USD in one US dollar. */
export const nanoUsdPerUsd = 1_000_000_000n;

const decimalDigits = 9;
const plainDecimal = /^(\d+)(?:\.(\d+))?$/;

/**
 * Nano-USD as a plain decimal string in USD: `125_000n` → `"0.000125"`, `0n` → `"0"`.
 * Trailing zeros are trimmed; no exponent notation, no float on the way.
 */
export function formatUsd(nano: bigint): string {
  const sign = nano < 0n ? "-" : "";
  const magnitude = nano < 0n ? -nano : nano;
  const whole = magnitude / nanoUsdPerUsd;
  const fraction = magnitude % nanoUsdPerUsd;
  if (fraction === 0n) return `${sign}${whole}`;
  // Every request's cost header goes through here: trailing zeros are cut without a RegExp.
  const digits = fraction.toString().padStart(decimalDigits, "0");
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48 /* "0" */) end -= 1;
  return `${sign}${whole}.${digits.slice(0, end)}`;
}

/**
 * A USD amount written as a plain decimal ("12.50", "0.000125") to nano-USD.
 * Rejects negatives, more than 9 decimal places (below one nano-USD) and anything that is not
 * a plain decimal number, with a message that says which.
 */
export function parseUsd(text: string): bigint {
  const trimmed = text.trim();
  if (trimmed.startsWith("-"))
    throw new RangeError(`A USD amount cannot be negative, got "${text}".`);
  const match = plainDecimal.exec(trimmed);
  if (!match)
    throw new TypeError(
      `A USD amount must be a plain decimal number such as "12.50", got "${text}".`,
    );
  const [, whole, fraction = ""] = match;
  if (fraction.length > decimalDigits) {
    throw new RangeError(
      `A USD amount has at most ${decimalDigits} decimal places (nano-USD precision), got "${text}".`,
    );
  }
  return BigInt(whole) * nanoUsdPerUsd + BigInt(fraction.padEnd(decimalDigits, "0"));
}

/**
 * A non-negative JavaScript number of USD (a price from YAML or the price package) to nano-USD,
 * exactly as it is written in decimal — `0.075` is 75_000_000n, not the binary float's
 * 74_999_999.99… — rounded half-up when it has more than 9 decimal places.
 */
export function nanoUsdFromNumber(value: number): bigint {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`A USD amount must be a finite non-negative number, got ${value}.`);
  const [whole, fraction = ""] = plainDecimalString(value).split(".");
  const nano =
    BigInt(whole) * nanoUsdPerUsd +
    BigInt(fraction.slice(0, decimalDigits).padEnd(decimalDigits, "0"));
  const roundsUp = fraction.length > decimalDigits && fraction[decimalDigits] >= "5";
  return roundsUp ? nano + 1n : nano;
}

/**
 * The shortest decimal that round-trips to `value`, without exponent notation:
 * `String(1e-7)` is "1e-7" and `String(1e21)` is "1e+21"; this gives "0.0000001" and
 * "1000000000000000000000".
 */
export function plainDecimalString(value: number): string {
  const text = String(value);
  const exponentAt = text.indexOf("e");
  if (exponentAt === -1) return text;
  const exponent = Number(text.slice(exponentAt + 1));
  const [whole, fraction = ""] = text.slice(0, exponentAt).split(".");
  const digits = whole + fraction;
  // Where the decimal point falls in `digits` once the exponent is applied.
  const pointAt = whole.length + exponent;
  if (pointAt <= 0) return `0.${"0".repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + "0".repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
