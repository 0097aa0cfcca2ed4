// JS value classes for CQL types that no built-in represents exactly.
import { quote } from "../util/limits.js";

/** decimal: unscaled × 10^-scale, exact. */
export class Decimal {
  constructor(readonly unscaled: bigint, readonly scale: number) {}
  static parse(s: string): Decimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
    if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new RangeError(`not a decimal: '${quote(s)}'`);
    const frac = m[3] ?? "";
    let scale = frac.length - (m[4] ? parseInt(m[4], 10) : 0);
    let unscaled = BigInt((m[2] || "0") + frac);
    if (m[1] === "-") unscaled = -unscaled;
    return new Decimal(unscaled, scale);
  }
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? "-" : "") + digits + (this.scale < 0 ? "E+" + -this.scale : "");
    // as Java's BigDecimal: past six leading zeros, exponent notation (a scale
    // read from a file can be 2^31: written out, that is gigabytes of zeros)
    const adjusted = digits.length - 1 - this.scale;
    if (adjusted < -6) return (neg ? "-" : "") + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "E" + adjusted;
    digits = digits.padStart(this.scale + 1, "0");
    const i = digits.length - this.scale;
    return (neg ? "-" : "") + digits.slice(0, i) + "." + digits.slice(i);
  }
  toJSON(): string {
    return this.toString();
  }
  equals(o: unknown): boolean {
    return o instanceof Decimal && o.unscaled === this.unscaled && o.scale === this.scale;
  }
}

/** duration: months, days and nanoseconds, each signed, all the same sign. */
export class Duration {
  constructor(readonly months: number, readonly days: number, readonly nanoseconds: bigint) {}
  static parse(s: string): Duration {
    const str = s.trim();
    const iso = /^(-?)P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(str);
    if (iso && str.length > (iso[1] ? 2 : 1)) {
      const n = (i: number) => Number(iso[i] ?? 0);
      const months = n(2) * 12 + n(3), days = n(4) * 7 + n(5);
      const nanos = ((BigInt(n(6)) * 60n + BigInt(n(7))) * 60n + BigInt(n(8))) * 1_000_000_000n;
      return iso[1] ? new Duration(-months, -days, -nanos) : new Duration(months, days, nanos);
    }
    const neg = str.startsWith("-");
    const body = neg ? str.slice(1) : str;
    let months = 0, days = 0, nanos = 0n;
    const units: Record<string, (n: bigint) => void> = {
      y: (n) => (months += Number(n) * 12), mo: (n) => (months += Number(n)), w: (n) => (days += Number(n) * 7),
      d: (n) => (days += Number(n)), h: (n) => (nanos += n * 3_600_000_000_000n), m: (n) => (nanos += n * 60_000_000_000n),
      s: (n) => (nanos += n * 1_000_000_000n), ms: (n) => (nanos += n * 1_000_000n), us: (n) => (nanos += n * 1000n),
      "µs": (n) => (nanos += n * 1000n), ns: (n) => (nanos += n),
    };
    const re = /(\d+)(mo|ms|us|µs|ns|y|w|d|h|m|s)/giy;
    let pos = 0;
    if (body.length === 0) throw new RangeError(`not a duration: '${quote(s)}'`);
    while (pos < body.length) {
      re.lastIndex = pos;
      const m = re.exec(body);
      if (!m) throw new RangeError(`not a duration: '${quote(s)}' (at '${quote(body.slice(pos))}')`);
      units[m[2].toLowerCase()](BigInt(m[1]));
      pos = re.lastIndex;
    }
    return neg ? new Duration(-months, -days, -nanos) : new Duration(months, days, nanos);
  }
  toString(): string {
    if (this.months === 0 && this.days === 0 && this.nanoseconds === 0n) return "0s";
    const neg = this.months < 0 || this.days < 0 || this.nanoseconds < 0n;
    let mo = Math.abs(this.months), d = Math.abs(this.days), ns = this.nanoseconds < 0n ? -this.nanoseconds : this.nanoseconds;
    let s = neg ? "-" : "";
    if (mo >= 12) { s += Math.floor(mo / 12) + "y"; mo %= 12; }
    if (mo) s += mo + "mo";
    if (d) s += d + "d";
    const parts: [bigint, string][] = [[3_600_000_000_000n, "h"], [60_000_000_000n, "m"], [1_000_000_000n, "s"], [1_000_000n, "ms"], [1000n, "us"], [1n, "ns"]];
    for (const [u, name] of parts) if (ns >= u) { s += ns / u + name; ns %= u; }
    return s;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** Days since 1970-01-01 → 'YYYY-MM-DD' (proleptic Gregorian, any year). */
export function daysToDate(days: number): string {
  // civil-from-days (Howard Hinnant's algorithm, public domain arithmetic)
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const ys = y < 0 ? "-" + String(-y).padStart(4, "0") : String(y).padStart(4, "0");
  return `${ys}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function dateToDays(s: string): number {
  const m = /^(-?\d{1,})-(\d{1,2})-(\d{1,2})$/.exec(s.trim());
  if (!m) throw new RangeError(`not a date: '${quote(s)}'`);
  let y = parseInt(m[1], 10);
  const mo = parseInt(m[2], 10);
  const d = parseInt(m[3], 10);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) throw new RangeError(`not a date: '${quote(s)}'`);
  y -= mo <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** 'HH:MM:SS[.fffffffff]' → nanoseconds since midnight */
export function parseTime(s: string): bigint {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(s.trim());
  if (!m) throw new RangeError(`not a time: '${quote(s)}'`);
  const h = BigInt(m[1]), mi = BigInt(m[2]), se = BigInt(m[3]);
  if (h > 23n || mi > 59n || se > 59n) throw new RangeError(`not a time: '${quote(s)}'`);
  const frac = BigInt((m[4] ?? "").padEnd(9, "0"));
  return ((h * 60n + mi) * 60n + se) * 1_000_000_000n + frac;
}

export function formatTime(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const hh = String(s / 3600n).padStart(2, "0");
  const mm = String((s / 60n) % 60n).padStart(2, "0");
  const ss = String(s % 60n).padStart(2, "0");
  return `${hh}:${mm}:${ss}` + (frac ? "." + String(frac).padStart(9, "0") : "");
}

/** ISO-8601 / CQL timestamp literal → milliseconds since epoch */
export function parseTimestamp(s: string): bigint {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return BigInt(t);
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) throw new RangeError(`not a timestamp: '${quote(s)}'`);
  const days = BigInt(dateToDays(`${m[1]}-${m[2]}-${m[3]}`));
  const h = BigInt(m[4] ?? 0), mi = BigInt(m[5] ?? 0), se = BigInt(m[6] ?? 0);
  const ms = BigInt((m[7] ?? "").padEnd(3, "0") || 0);
  let off = 0n;
  if (m[8] && m[8] !== "Z") {
    const z = m[8].replace(":", "");
    off = (BigInt(z.slice(1, 3)) * 60n + BigInt(z.slice(3, 5))) * 60_000n * (z[0] === "-" ? -1n : 1n);
  }
  return (((days * 24n + h) * 60n + mi) * 60n + se) * 1000n + ms - off;
}

export function formatTimestamp(ms: bigint): string {
  const day = ms >= 0n ? ms / 86_400_000n : -((-ms + 86_399_999n) / 86_400_000n);
  const rem = ms - day * 86_400_000n;
  const t = formatTime(rem * 1_000_000n);
  const msPart = rem % 1000n;
  return `${daysToDate(Number(day))}T${t.slice(0, 8)}.${String(msPart).padStart(3, "0")}Z`;
}
