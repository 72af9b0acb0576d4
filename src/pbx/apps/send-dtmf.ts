/**
 * `SendDTMF(digits[,timeout_ms[,duration_ms]])`: sends the digits to the channel's phone in its
 * endpoint's dtmf_mode (RFC 4733 events, inband tones or SIP INFO), each lasting duration_ms
 * (default 100, Asterisk's dtmf_duration) with timeout_ms between them (default 250); `w` waits
 * half a second, `W` a second. Other characters are skipped with a warning.
 */
import type { DialplanApp } from "./registry.js";

const DEFAULT_GAP_MS = 250;
const DEFAULT_DURATION_MS = 100;

function millis(raw: string | undefined, fallback: number): number {
  const n = Number((raw ?? "").trim());
  return raw !== undefined && raw.trim() !== "" && Number.isFinite(n) && n > 0 ? Math.min(n, 10_000) : fallback;
}

export const sendDtmfApp: DialplanApp = {
  name: "SendDTMF",
  synopsis: "Sends arbitrary DTMF digits",
  syntax: "SendDTMF(digits[,timeout_ms[,duration_ms[,channel[,options]]]])",
  async execute(ctx) {
    const digits = (ctx.args[0] ?? "").trim();
    if (digits === "") {
      ctx.log.warn({}, "SendDTMF requires an argument (digits or *#aAbBcCdD)");
      return "continue";
    }
    if ((ctx.args[3] ?? "").trim() !== "" || (ctx.args[4] ?? "").trim() !== "") {
      ctx.log.warn({}, "SendDTMF: the channel and options arguments are not implemented; sending to this channel");
    }
    const gap = millis(ctx.args[1], DEFAULT_GAP_MS);
    const duration = millis(ctx.args[2], DEFAULT_DURATION_MS);
    const send = ctx.channel.sendDtmf?.bind(ctx.channel);
    if (send === undefined) return "continue";
    for (const d of digits) {
      if (ctx.channel.hungUp()) return "hangup";
      if (d === "w" || d === "W") {
        await ctx.channel.wait(d === "w" ? 0.5 : 1);
        continue;
      }
      if (!/^[0-9*#A-Da-d]$/.test(d)) {
        ctx.log.warn({}, `SendDTMF: '${d}' is not a DTMF digit; skipped`);
        continue;
      }
      if (!send(d.toUpperCase(), duration)) {
        ctx.log.notice({}, `SendDTMF: ${ctx.channel.name} has no way to receive DTMF (dtmf_mode=none, or rfc4733 and its SDP has no telephone-event)`);
        return "continue";
      }
      await ctx.channel.wait((duration + gap) / 1000);
    }
    return ctx.channel.hungUp() ? "hangup" : "continue";
  },
};
