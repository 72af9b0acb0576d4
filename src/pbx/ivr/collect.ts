/**
 * After a menu key (Background, WaitExten): Asterisk's PBX loop goes on collecting keys while the
 * digits so far could still become a longer extension, waiting TIMEOUT(digit) for each, then
 * runs the extension dialled, or `i` when there is none.
 */
import { ASTERISK_SOURCE } from "../../core/logger.js";
import type { AppContext, AppResult } from "../apps/registry.js";
import { timeoutsOf } from "./timeouts.js";

const PBX_C = { [ASTERISK_SOURCE]: "pbx.c" };

export async function collectAndGo(ctx: AppContext, first: string, context = ctx.context): Promise<AppResult> {
  const ch = ctx.channel;
  let exten = first;
  const digitMs = timeoutsOf(ch).digitSec * 1000;
  while (ctx.extensionState(exten, context).more && ch.readDigit !== undefined) {
    const d = await ch.readDigit(digitMs);
    if (d === undefined) break;
    if (d === "#" && !ctx.extensionState(exten + "#", context).exists && !ctx.extensionState(exten + "#", context).more) break;
    exten += d;
  }
  if (ch.hungUp()) return "hangup";
  return goToExtension(ctx, exten, context);
}

/** Runs `exten,1` in `context`, or its `i` extension (INVALID_EXTEN set), or hangs up. */
export function goToExtension(ctx: AppContext, exten: string, context: string): AppResult {
  if (ctx.extensionState(exten, context).exists) {
    ctx.goto([context, exten, "1"]);
    return "continue";
  }
  if (ctx.extensionState("i", context).exists) {
    if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, PBX_C, `Invalid extension '${exten}' in context '${context}' on ${ctx.channel.name}`);
    ctx.setVar("INVALID_EXTEN", exten);
    ctx.goto([context, "i", "1"]);
    return "continue";
  }
  ctx.log.warn(PBX_C, `Channel '${ctx.channel.name}' sent to invalid extension '${exten}' but no invalid handler: context,exten,priority=${context},${exten},1`);
  return "hangup";
}

/** The `t` extension after a menu timed out, or a hangup when the context has none. */
export function goToTimeout(ctx: AppContext, context = ctx.context): AppResult {
  if (ctx.extensionState("t", context).exists) {
    if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, PBX_C, `Timeout on ${ctx.channel.name}, continuing...`);
    ctx.goto([context, "t", "1"]);
    return "continue";
  }
  ctx.log.warn(PBX_C, `Timeout on ${ctx.channel.name}, but no rule 't' or 'e' in context '${context}'`);
  return "hangup";
}
