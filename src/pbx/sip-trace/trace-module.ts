/**
 * SIP tracing as a module: `pjsip set logger`, `pjsip set history`, `pjsip show history`
 * (sip-trace-module.ts) and `pjsip show stats` (sip-stats-command.ts). Tracing costs nothing
 * until switched on from the console; stopping the module switches it off.
 */
import type { ModuleContext, PbxModule } from "../../core/module.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import { registerSipStatsCommand } from "./sip-stats-command.js";
import { SipTraceModule } from "./sip-trace-module.js";

export class SipTracePbxModule implements PbxModule {
  readonly name = "sip-trace";
  readonly provides = [{ name: "res_pjsip_logger.so", description: "PJSIP Packet Logger" }];
  readonly dependsOn: readonly string[];

  constructor(private readonly deps: { sip: SipStackModule }) {
    this.dependsOn = [deps.sip.name];
  }

  start(ctx: ModuleContext): void {
    const { transactions, transports } = this.deps.sip;
    const trace = new SipTraceModule({ transactions, commands: ctx.commands, log: ctx.log.child({ category: "pjsip.logger" }), clock: ctx.clock });
    ctx.defer(() => trace.close());
    registerSipStatsCommand(ctx.commands, { transactions, transports });
  }
}
