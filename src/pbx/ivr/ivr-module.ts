/**
 * Menus and prompts as a module: Background, WaitExten, Read, SayDigits, SayNumber, SayAlpha,
 * SayUnixTime, Record, and the functions TIMEOUT() and CHANNEL(). The `i` and `t` extensions are run by
 * collect.ts as Asterisk's PBX loop runs them.
 */
import { join } from "node:path";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { DialplanApp } from "../apps/registry.js";
import { backgroundApp } from "./background.js";
import { channelFunction } from "./channel-func.js";
import { readApp } from "./read.js";
import { recordApp } from "./record.js";
import { sayAlphaApp, sayDigitsApp, sayNumberApp } from "./say.js";
import { timeoutFunction } from "./timeouts.js";
import { sayUnixTimeApp } from "./say-unixtime.js";
import { waitExtenApp } from "./wait-exten.js";

/** The module's applications; Record writes relative names under `soundsDir`. */
export function ivrApps(soundsDir: () => string): DialplanApp[] {
  return [backgroundApp, waitExtenApp, readApp, sayDigitsApp, sayNumberApp, sayAlphaApp, sayUnixTimeApp, recordApp(soundsDir)];
}

export class IvrModule implements SwitchboardModule {
  readonly name = "ivr";
  readonly provides = [
    { name: "app_read.so", description: "Read Variable Application" },
    { name: "app_record.so", description: "Trivial Record Application" },
    { name: "func_timeout.so", description: "Channel timeout dialplan functions" },
    { name: "func_channel.so", description: "Channel information dialplan functions" },
  ];

  start(ctx: PbxModuleContext): void {
    for (const app of ivrApps(() => join(ctx.dataDir, "sounds"))) ctx.apps.register(app);
    ctx.funcs.register(timeoutFunction);
    ctx.funcs.register(channelFunction);
  }
}
