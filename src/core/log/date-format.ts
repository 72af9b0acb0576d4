/**
 * logger.conf `dateformat`: a strftime(3) pattern in local time, plus Asterisk's `%q` for the
 * fraction of a second (`%q` = milliseconds, `%1q`…`%6q` = that many digits). The default is
 * `%b %e %T` (`Dec  1 23:02:48`); the sample file offers `%F %T` and `%F %T.%3q`.
 *
 * A log line is stamped for every record, so the pattern is compiled once into parts, and the
 * text of the parts that change at most once a second is kept until the second changes.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAYS_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The default `dateformat` of logger.conf. */
export const DEFAULT_DATEFORMAT = "%b %e %T";

const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const s2 = (n: number): string => (n < 10 ? ` ${n}` : String(n));
const p3 = (n: number): string => String(n).padStart(3, "0");

function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `${off >= 0 ? "+" : "-"}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`;
}

function zoneName(d: Date): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName")?.value;
  return name === undefined || name.startsWith("GMT") ? (d.getTimezoneOffset() === 0 ? "UTC" : zone(d)) : name;
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.floor((d.getTime() - start.getTime() - (d.getTimezoneOffset() - start.getTimezoneOffset()) * 60000) / 86400000) + 1;
}

/** One conversion of strftime(3), as glibc spells it in the C locale. */
const CONVERSIONS: Record<string, (d: Date) => string> = {
  a: (d) => DAYS[d.getDay()] ?? "",
  A: (d) => DAYS_LONG[d.getDay()] ?? "",
  b: (d) => MONTHS[d.getMonth()] ?? "",
  h: (d) => MONTHS[d.getMonth()] ?? "",
  B: (d) => MONTHS_LONG[d.getMonth()] ?? "",
  C: (d) => p2(Math.floor(d.getFullYear() / 100)),
  c: (d) => `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${s2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`,
  d: (d) => p2(d.getDate()),
  D: (d) => `${p2(d.getMonth() + 1)}/${p2(d.getDate())}/${p2(d.getFullYear() % 100)}`,
  e: (d) => s2(d.getDate()),
  F: (d) => `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`,
  H: (d) => p2(d.getHours()),
  I: (d) => p2(d.getHours() % 12 || 12),
  j: (d) => p3(dayOfYear(d)),
  k: (d) => s2(d.getHours()),
  l: (d) => s2(d.getHours() % 12 || 12),
  m: (d) => p2(d.getMonth() + 1),
  M: (d) => p2(d.getMinutes()),
  n: () => "\n",
  p: (d) => (d.getHours() < 12 ? "AM" : "PM"),
  P: (d) => (d.getHours() < 12 ? "am" : "pm"),
  r: (d) => `${p2(d.getHours() % 12 || 12)}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getHours() < 12 ? "AM" : "PM"}`,
  R: (d) => `${p2(d.getHours())}:${p2(d.getMinutes())}`,
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  S: (d) => p2(d.getSeconds()),
  t: () => "\t",
  T: (d) => `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`,
  u: (d) => String(d.getDay() || 7),
  w: (d) => String(d.getDay()),
  x: (d) => `${p2(d.getMonth() + 1)}/${p2(d.getDate())}/${p2(d.getFullYear() % 100)}`,
  X: (d) => `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`,
  y: (d) => p2(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  z: zone,
  Z: zoneName,
  "%": () => "%",
};

/** A literal, or a conversion; `fraction` marks `%q`, the one part that changes within a second. */
type Part = string | { readonly fn: (d: Date) => string; readonly fraction: boolean };

/** `%q` with `digits` digits of the second's fraction (we keep milliseconds: digits past 3 are 0). */
function fraction(digits: number): (d: Date) => string {
  return (d) => (p3(d.getMilliseconds()) + "000").slice(0, digits);
}

/** A compiled `dateformat`: `format(ms)` gives the stamp (without brackets). */
export class DateFormat {
  private readonly parts: Part[] = [];
  private readonly hasFraction: boolean;
  private cachedSecond = Number.NaN;
  private cachedParts: string[] = [];
  private cachedWhole = "";

  constructor(readonly pattern: string = DEFAULT_DATEFORMAT) {
    let literal = "";
    let fractionSeen = false;
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i] ?? "";
      if (ch !== "%" || i + 1 >= pattern.length) {
        literal += ch;
        continue;
      }
      let next = pattern[i + 1] ?? "";
      let digits = 3;
      if (next >= "1" && next <= "6" && pattern[i + 2] === "q") {
        digits = Number(next);
        next = "q";
        i++;
      }
      i++;
      const isFraction = next === "q";
      const fn = isFraction ? fraction(digits) : CONVERSIONS[next];
      if (fn === undefined) {
        // glibc writes an unknown conversion as it stands.
        literal += `%${next}`;
        continue;
      }
      fractionSeen ||= isFraction;
      if (literal !== "") this.parts.push(literal);
      literal = "";
      this.parts.push({ fn, fraction: isFraction });
    }
    if (literal !== "") this.parts.push(literal);
    this.hasFraction = fractionSeen;
  }

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.cachedSecond) {
      const d = new Date(ms);
      this.cachedSecond = second;
      this.cachedParts = this.parts.map((p) => (typeof p === "string" ? p : p.fraction ? "" : p.fn(d)));
      this.cachedWhole = this.cachedParts.join("");
    }
    if (!this.hasFraction) return this.cachedWhole;
    const d = new Date(ms);
    let out = "";
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i];
      out += p !== undefined && typeof p !== "string" && p.fraction ? p.fn(d) : (this.cachedParts[i] ?? "");
    }
    return out;
  }
}
