/**
 * Splits a comma-separated header value at top-level commas: commas inside quoted strings
 * (with backslash escapes) and inside `<...>` are not separators (RFC 3261 §7.3.1).
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (inQuote) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inQuote = false;
    } else if (ch === 0x22) inQuote = true;
    else if (ch === 0x3c /* < */) inAngle = true;
    else if (ch === 0x3e /* > */) inAngle = false;
    else if (ch === 0x2c /* , */ && !inAngle) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}
