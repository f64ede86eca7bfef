/*
 * Money as the gateway sends it: the Usd scalar is an exact decimal string ("0.000125"), stored as
 * integer nano-USD. Sums are done in BigInt nano-USD so that adding thousands of small costs never
 * drifts the way floats would; only charts turn amounts into numbers, to plot them.
 */

const nanoPerUsd = 1_000_000_000n;
const usdPattern = /^(-)?(\d*)(?:\.(\d*))?$/;

/** "1.5" → 1500000000n. Throws RangeError for anything that is not a plain decimal with at most 9 decimals. */
export function usdToNano(usd: string): bigint {
  const match = usdPattern.exec(usd.trim());
  const [, sign, whole = "", fraction = ""] = match ?? [];
  if (!match || (whole === "" && fraction === "") || fraction.length > 9)
    throw new RangeError(`Not a USD amount: "${usd}"`);
  const nano = BigInt(whole || "0") * nanoPerUsd + BigInt(fraction.padEnd(9, "0"));
  return sign ? -nano : nano;
}

/** 1500000000n → "1.5": the shortest exact decimal string ("0" for zero). */
export function nanoToUsd(nano: bigint): string {
  const negative = nano < 0n;
  const magnitude = negative ? -nano : nano;
  const whole = magnitude / nanoPerUsd;
  const fraction = (magnitude % nanoPerUsd).toString().padStart(9, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** The exact sum of Usd strings. */
export function sumUsd(amounts: Iterable<string>): string {
  let total = 0n;
  for (const amount of amounts) total += usdToNano(amount);
  return nanoToUsd(total);
}

/** Sorts amounts largest first (for "top models by spend"); exact, no floats. */
export function compareUsdDescending(left: string, right: string): number {
  const difference = usdToNano(right) - usdToNano(left);
  return difference > 0n ? 1 : difference < 0n ? -1 : 0;
}

/** An amount as a number of dollars, for plotting only (never for sums or display). */
export function usdToChartNumber(usd: string): number {
  return Number(usdToNano(usd)) / 1e9;
}

const wholeDollars = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const smallAmounts = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumSignificantDigits: 3,
});
const cents = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
});

/**
 * An amount for people: $1,234.56 from one dollar up; below that three significant digits so a
 * non-zero cost never reads $0.00 ($0.0042, $0.000125), with at least cents ($0.50); $0.00 for zero.
 * Formats the exact decimal string (Intl rounds strings without going through a float).
 */
export function formatUsd(usd: string): string {
  const nano = usdToNano(usd);
  const exact = nanoToUsd(nano) as `${number}`;
  const magnitude = nano < 0n ? -nano : nano;
  if (magnitude === 0n) return wholeDollars.format(0);
  if (magnitude >= nanoPerUsd) return wholeDollars.format(exact);
  const small = smallAmounts.format(exact);
  const fractionDigits = small.split(".")[1]?.length ?? 0;
  return fractionDigits < 2 ? cents.format(exact) : small;
}

/** A USD amount with its budget, e.g. "$12.50 of $100.00". */
export function formatUsdOf(spent: string, limit: string): string {
  return `${formatUsd(spent)} of ${formatUsd(limit)}`;
}

/** Whether a form value is a USD amount the gateway accepts (a non-negative decimal, at most 9 decimals). */
export function isUsdAmount(value: string): boolean {
  return /^\d+(\.\d{1,9})?$|^\.\d{1,9}$/.test(value.trim());
}

const axisSmall = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumSignificantDigits: 2,
});
const axisLarge = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 1,
});

/**
 * A chart axis tick (the chart library picks tick values as floats): short, and never $0 for a
 * non-zero tick. Not for amounts people read as money; formatUsd is.
 */
export function formatUsdAxisTick(value: number): string {
  if (value === 0) return "$0";
  return Math.abs(value) >= 1000 ? axisLarge.format(value) : axisSmall.format(value);
}
