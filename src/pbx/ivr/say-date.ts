/**
 * Dates and times spoken from a format, as Asterisk's SayUnixTime and voicemail envelopes
 * (voicemail.conf [zonemessages] `zone => timezone|format`) write them, English rules: a quoted
 * 'name' plays that file; A/a weekday, B/b/h month, d/e day of the month (an ordinal), Y year,
 * I/l hour (12 h), H (24 h, "oh" before 0-9) and k, M/N minute ("o'clock" for 00 with M), P/p
 * AM/PM, R = HM, T = HMS, S second, Q "today"/"yesterday"/the full date, q nothing for today,
 * "yesterday", the weekday within a week, else the full date. Other letters are skipped.
 */
import { numberFiles } from "./say.js";

export const DEFAULT_DATE_FORMAT = "ABdY 'digits/at' IMp";

interface Parts {
  year: number;
  month: number; // 0-11
  day: number;
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
  second: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The calendar fields of `ms` in time zone `tz` (IANA name; invalid or empty: the local zone). */
export function dateParts(ms: number, tz: string): Parts {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", { ...(tz.length > 0 ? { timeZone: tz } : {}), year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", weekday: "short", hourCycle: "h23" });
  } catch {
    fmt = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", weekday: "short", hourCycle: "h23" });
  }
  const get = (type: string): string => fmt.formatToParts(ms).find((p) => p.type === type)?.value ?? "0";
  return { year: Number(get("year")), month: Number(get("month")) - 1, day: Number(get("day")), weekday: WEEKDAYS[get("weekday")] ?? 0, hour: Number(get("hour")) % 24, minute: Number(get("minute")), second: Number(get("second")) };
}

/** "first" … "thirty-first": digits/h-1 … h-19, h-20, h-30, or a ten and an ordinal. */
export function ordinalFiles(n: number): string[] {
  if (n <= 20 || n === 30) return [`digits/h-${n}`];
  return [`digits/${n - (n % 10)}`, `digits/h-${n % 10}`];
}

/** English years as Asterisk says them: 1999 "nineteen ninety nine", 2024 "two thousand twenty four". */
function yearFiles(y: number): string[] {
  if (y >= 1100 && y < 2000) return [...numberFiles(Math.floor(y / 100)), ...(y % 100 === 0 ? ["digits/hundred"] : y % 100 < 10 ? ["digits/oh", ...numberFiles(y % 100)] : numberFiles(y % 100))];
  return numberFiles(y);
}

function minuteFiles(m: number, oclock: boolean): string[] {
  if (m === 0) return oclock ? ["digits/oclock"] : ["digits/hundred"];
  if (m < 10) return ["digits/oh", `digits/${m}`];
  return numberFiles(m);
}

/** The prompts that say `ms` in `format`, seen from `nowMs` (for Q and q), in zone `tz`. */
export function dateFiles(format: string, ms: number, tz: string, nowMs: number = Date.now()): string[] {
  const t = dateParts(ms, tz);
  const now = dateParts(nowMs, tz);
  const dayNumber = (p: Parts): number => Date.UTC(p.year, p.month, p.day) / 86_400_000;
  const ago = dayNumber(now) - dayNumber(t);
  const out: string[] = [];
  const say = (letters: string): void => {
    for (let i = 0; i < letters.length; i++) {
      const c = letters[i]!;
      switch (c) {
        case "'": {
          const end = letters.indexOf("'", i + 1);
          const name = letters.slice(i + 1, end < 0 ? undefined : end);
          if (name.length > 0) out.push(name);
          i = end < 0 ? letters.length : end;
          break;
        }
        case "A":
        case "a":
          out.push(`digits/day-${t.weekday}`);
          break;
        case "B":
        case "b":
        case "h":
          out.push(`digits/mon-${t.month}`);
          break;
        case "m":
          out.push(...ordinalFiles(t.month + 1));
          break;
        case "d":
        case "e":
          out.push(...ordinalFiles(t.day));
          break;
        case "Y":
          out.push(...yearFiles(t.year));
          break;
        case "I":
        case "l":
          out.push(`digits/${t.hour % 12 === 0 ? 12 : t.hour % 12}`);
          break;
        case "H":
          if (t.hour < 10) out.push("digits/oh");
          out.push(...numberFiles(t.hour));
          break;
        case "k":
          out.push(...numberFiles(t.hour));
          break;
        case "M":
        case "N":
          out.push(...minuteFiles(t.minute, c === "M"));
          break;
        case "S":
          out.push(...numberFiles(t.second));
          break;
        case "P":
        case "p":
          out.push(t.hour < 12 ? "digits/a-m" : "digits/p-m");
          break;
        case "R":
          say("HM");
          break;
        case "T":
          say("HMS");
          break;
        case "Q":
          if (ago === 0) out.push("digits/today");
          else if (ago === 1) out.push("digits/yesterday");
          else say("ABdY");
          break;
        case "q":
          if (ago === 0) break;
          if (ago === 1) out.push("digits/yesterday");
          else if (ago > 1 && ago < 7) say("A");
          else say("ABdY");
          break;
        default:
          break;
      }
    }
  };
  say(format);
  return out;
}
