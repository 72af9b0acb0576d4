/**
 * `Dial(Tech/resource[&Tech2/resource2…],[timeout],[options])`: rings the targets in parallel and
 * bridges the first to answer. Sets `${DIALSTATUS}` (and `${DIALEDPEERNAME}` on answer).
 */
import { parseDialOptions } from "./dial-options.js";
import type { DialplanApp } from "./registry.js";

export const dialApp: DialplanApp = {
  name: "Dial",
  synopsis: "Attempt to connect to another device or endpoint and bridge the call.",
  syntax: "Dial(Technology/Resource[&Technology2/Resource2[&...]],[timeout,[options[,URL]]])",
  async execute(ctx) {
    const targets = (ctx.args[0] ?? "")
      .split("&")
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    if (targets.length === 0) {
      ctx.log.warn({}, "Dial requires an argument (technology/resource)");
      ctx.setVar("DIALSTATUS", "INVALIDARGS");
      return "hangup";
    }
    for (const t of targets) {
      if (!/^[A-Za-z0-9_]+\/.+/.test(t)) {
        ctx.log.warn({ target: t.slice(0, 80) }, `Dial argument takes format (technology/resource): '${t.slice(0, 80)}'`);
        ctx.setVar("DIALSTATUS", "INVALIDARGS");
        return "continue";
      }
    }
    const timeoutText = (ctx.args[1] ?? "").trim();
    let timeout: number | undefined;
    if (timeoutText.length > 0) {
      const n = Number(timeoutText);
      if (!Number.isFinite(n) || n <= 0) ctx.log.warn({ timeout: timeoutText.slice(0, 20) }, `Dial timeout '${timeoutText.slice(0, 20)}' is not a positive number of seconds; ringing without a timeout`);
      else timeout = n;
    }
    const options = (ctx.args[2] ?? "").trim();
    const parsed = parseDialOptions(options);
    if (parsed.unknown.length > 0) ctx.log.warn({ options }, `Dial options '${parsed.unknown.join("")}' are not known and are ignored`);
    if (parsed.notImplemented.length > 0) ctx.log.warn({ options }, `Dial options '${parsed.notImplemented.join("")}' are not implemented by Switchboard and are ignored (it acts on g, m, t/T, h/H, k/K and x/X)`);

    const result = await ctx.channel.dial(targets, timeout, options);
    ctx.setVar("DIALSTATUS", result.status);
    if (result.answeredBy !== undefined) ctx.setVar("DIALEDPEERNAME", result.answeredBy);
    // After a bridged call the dialplan ends unless 'g' asks to go on when the callee hangs up.
    if (result.status === "ANSWER" && !parsed.flags.has("g")) return "hangup";
    return "continue";
  },
};
