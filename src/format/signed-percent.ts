/** The one rendering of a signed percentage (BD-rates, gains) in every text the project prints. */

/** Shown for a percentage that is undefined, e.g. a BD-rate of curves that do not overlap. */
export const NOT_AVAILABLE = "n/a";

/** "+1.23%", "-4.50%", "0.00%" (never "-0.00%"); null is "n/a". */
export function signedPercent(value: number | null, digits = 2): string {
  return value === null ? NOT_AVAILABLE : `${signedNumber(value, digits)}%`;
}

/** "+1.23", "-4.50", "0.00" (never "-0.00"): a signed difference such as dB of PSNR. */
export function signedNumber(value: number, digits = 2): string {
  if (Number.isNaN(value)) return "nan";
  const text = Math.abs(value).toFixed(digits);
  const zero = Number(text) === 0;
  return zero ? text : `${value > 0 ? "+" : "-"}${text}`;
}
