/**
 * `TIMEOUT(digit|response|absolute)`: how long Background/WaitExten/Read wait. `digit` (5 s) is
 * the wait between keys while the caller dials an extension, `response` (10 s) the wait for the
 * first key after a menu. `absolute` (a limit on the whole call) is not implemented: writing it
 * says so, reading it gives 0.
 */
import type { DialplanChannel } from "../dialplan/channel.js";
import type { DialplanFunction } from "../funcs/registry.js";

export interface ChannelTimeouts {
  digitSec: number;
  responseSec: number;
}

const byChannel = new WeakMap<DialplanChannel, ChannelTimeouts>();

export function timeoutsOf(channel: DialplanChannel): ChannelTimeouts {
  let t = byChannel.get(channel);
  if (t === undefined) {
    t = { digitSec: 5, responseSec: 10 };
    byChannel.set(channel, t);
  }
  return t;
}

export const timeoutFunction: DialplanFunction = {
  name: "TIMEOUT",
  synopsis: "Gets or sets timeouts on the channel (digit, response).",
  read(ctx, args) {
    const t = timeoutsOf(ctx.channel);
    switch (args.trim().toLowerCase()) {
      case "digit":
        return String(t.digitSec);
      case "response":
        return String(t.responseSec);
      case "absolute":
        return "0";
      default:
        ctx.log.warn({}, `TIMEOUT(${args}): unknown timeout type; use digit, response or absolute`);
        return "";
    }
  },
  write(ctx, args, value) {
    const t = timeoutsOf(ctx.channel);
    const n = Number(value);
    const kind = args.trim().toLowerCase();
    if (kind === "absolute") {
      ctx.log.warn({}, `TIMEOUT(absolute)=${value} on ${ctx.channel.name}: not implemented in Switchboard; the call has no absolute limit`);
      return;
    }
    if (!Number.isFinite(n) || n < 0) {
      ctx.log.warn({}, `TIMEOUT(${args})=${value}: not a number of seconds; unchanged`);
      return;
    }
    if (kind === "digit") t.digitSec = n;
    else if (kind === "response") t.responseSec = n;
    else ctx.log.warn({}, `TIMEOUT(${args}): unknown timeout type; use digit, response or absolute`);
  },
};
