/**
 * Call recording as a module: the dialplan applications MixMonitor and StopMixMonitor
 * (Asterisk's app_mixmonitor). The mixing and the file writing happen in the media workers
 * (media/record/mix-tap.ts); relative file names go to the monitor directory,
 * `<astspooldir>/monitor` (asterisk.conf), else `monitor/` in the data directory.
 */
import { join } from "node:path";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { mixMonitorApp, RunningMonitors, stopMixMonitorApp } from "./mixmonitor-apps.js";

export class MixMonitorModule implements SwitchboardModule {
  readonly name = "mixmonitor";
  readonly provides = [{ name: "app_mixmonitor.so", description: "Mixed Audio Monitoring Application" }];
  readonly emits = ["MixMonitorStart", "MixMonitorStop"];

  start(ctx: PbxModuleContext): void {
    const monitorDir = (): string => join(ctx.config().asterisk.spoolDir ?? ctx.dataDir, "monitor");
    const running = new RunningMonitors();
    ctx.apps.register(mixMonitorApp(monitorDir, running, ctx.events));
    ctx.apps.register(stopMixMonitorApp(running));
  }
}
