/**
 * `WaitExten([seconds][,options])`: waits for the caller to dial an extension of the current
 * context (after a Background menu), at most `seconds` (default TIMEOUT(response)) for the first
 * key; then the extension, `i` for one that does not exist, `t` when nothing was pressed.
 * Option `m` (music on hold meanwhile) is not implemented yet (the ivr module does not play
 * music on hold; pbx/moh does): it says so and waits in silence.
 */
import type { DialplanApp } from "../apps/registry.js";
import { collectAndGo, goToTimeout } from "./collect.js";
import { timeoutsOf } from "./timeouts.js";

export const waitExtenApp: DialplanApp = {
  name: "WaitExten",
  synopsis: "Waits for an extension to be entered.",
  syntax: "WaitExten([seconds][,options])",
  async execute(ctx) {
    const ch = ctx.channel;
    const raw = (ctx.args[0] ?? "").trim();
    const seconds = raw.length > 0 && Number.isFinite(Number(raw)) && Number(raw) > 0 ? Number(raw) : timeoutsOf(ch).responseSec;
    if ((ctx.args[1] ?? "").includes("m")) ctx.log.warn({}, `WaitExten(${ctx.data}) on ${ch.name}: option m (music on hold) is not implemented yet; waiting in silence`);
    if (!ch.answered) await ch.answer();
    if (ch.readDigit === undefined) return goToTimeout(ctx);
    const d = await ch.readDigit(seconds * 1000);
    if (ch.hungUp()) return "hangup";
    if (d === undefined) return goToTimeout(ctx);
    return collectAndGo(ctx, d);
  },
};
