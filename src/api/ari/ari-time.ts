/**
 * ARI's time format (Asterisk's `ast_json_timeval`): ISO 8601 local time with milliseconds and
 * a numeric zone without colon, `2026-12-07T06:10:00.123+0100`.
 */
function pad(n: number, width = 2): string {
  return String(Math.trunc(Math.abs(n))).padStart(width, "0");
}

export function ariTimestamp(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${sign}${pad(off / 60)}${pad(off % 60)}`;
}
