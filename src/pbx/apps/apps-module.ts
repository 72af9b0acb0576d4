/**
 * The dialplan's standard applications (Answer, Dial, Echo, Playback …) and functions
 * (CALLERID, LEN, IF, GLOBAL) as a module. A feature that adds an application registers it the
 * same way, from its own module: `ctx.apps.register(myApp)`; it is removed when that module stops.
 */
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { CORE_FUNCTIONS } from "../funcs/index.js";
import { CORE_APPS } from "./index.js";

export class DialplanAppsModule implements SwitchboardModule {
  readonly name = "dialplan-apps";
  readonly provides = [
    { name: "app_dial.so", description: "Dialing Application" },
    { name: "app_echo.so", description: "Simple Echo Application" },
    { name: "app_playback.so", description: "Sound File Playback Application" },
  ];

  start(ctx: PbxModuleContext): void {
    for (const app of CORE_APPS) ctx.apps.register(app);
    for (const fn of CORE_FUNCTIONS) ctx.funcs.register(fn);
  }
}
