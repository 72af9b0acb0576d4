/** The optional `[timeout]` argument of Busy and Congestion, in seconds. */
import type { AppContext } from "./registry.js";

export function optionalSeconds(ctx: AppContext, app: string): number | undefined {
  const raw = (ctx.args[0] ?? "").trim();
  if (raw.length === 0) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    ctx.log.warn({ timeout: raw.slice(0, 20) }, `${app}() timeout '${raw.slice(0, 20)}' is not a number of seconds; ignored`);
    return undefined;
  }
  return n;
}
