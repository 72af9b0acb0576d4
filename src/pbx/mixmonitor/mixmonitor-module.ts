/**
 * Call recording as a module: the dialplan applications MixMonitor and StopMixMonitor
 * (Asterisk's app_mixmonitor). The mixing and the file writing happen in the media workers
 * (media/record/mix-tap.ts); relative file names go to the monitor directory,
 * `<astspooldir>/monitor` (asterisk.conf), else `monitor/` in the data directory.
 */
import { join } from "node:path";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { started } from "../../core/module.js";
import { MixMonitors, mixMonitorApp, stopMixMonitorApp } from "./mixmonitor-apps.js";

/** The applications this module registers (for `switchboard check`). */
export const MIXMONITOR_APP_NAMES = ["MixMonitor", "StopMixMonitor"] as const;

export class MixMonitorModule implements SwitchboardModule {
  readonly name = "mixmonitor";
  readonly provides = [{ name: "app_mixmonitor.so", description: "Mixed Audio Monitoring Application" }];
  readonly emits = ["MixMonitorStart", "MixMonitorStop"];

  private running: MixMonitors | undefined;

  /** The recordings, for AMI's MixMonitor and StopMixMonitor actions. */
  get monitors(): MixMonitors {
    return started(this.running, this.name, "MixMonitor");
  }

  start(ctx: PbxModuleContext): void {
    const monitors = new MixMonitors(() => join(ctx.config().asterisk.spoolDir ?? ctx.dataDir, "monitor"), ctx.events);
    this.running = monitors;
    ctx.apps.register(mixMonitorApp(monitors));
    ctx.apps.register(stopMixMonitorApp(monitors));
  }
}
