/**
 * The `pjsip show|list …` commands (endpoints, aors, auths, contacts, transports, identifies,
 * `pjsip qualify`, and with the embedded default `pjsip show default-passwords`) as a module.
 */
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { loadOrCreatePasswords, loadOrCreatePins } from "../registrar/default-passwords.js";
import { EMBEDDED_ACCOUNTS, EMBEDDED_EXTENSIONS } from "../../config/index.js";
import type { ContactsModule } from "../registrar/contacts-module.js";
import type { RegistrarModule } from "../registrar/registrar-module.js";
import type { CallLayerModule } from "../channel/call-layer-module.js";
import { registerPjsipCommands } from "./pjsip-commands.js";

export class PjsipCommandsModule implements SwitchboardModule {
  readonly name = "pjsip-commands";
  readonly description = "pjsip show/list console commands";
  readonly dependsOn: readonly string[];

  constructor(private readonly deps: { sip: SipStackModule; contacts: ContactsModule; registrar: RegistrarModule; calls?: CallLayerModule }) {
    this.dependsOn = [deps.sip.name, deps.contacts.name, deps.registrar.name, ...(deps.calls ? [deps.calls.name] : [])];
  }

  start(ctx: PbxModuleContext): void {
    const dataDir = ctx.dataDir;
    const calls = this.deps.calls;
    registerPjsipCommands(ctx.commands, {
      directory: ctx.directory,
      config: ctx.config,
      store: this.deps.contacts.store,
      qualifier: this.deps.registrar.qualifier,
      transports: this.deps.sip.transports,
      clock: ctx.clock,
      devices: calls ? { stateOf: (ep) => calls.calls.calls.ctx.devices.stateOf(ep), channelsOf: (ep) => calls.calls.calls.ctx.devices.channelsOf(ep) } : undefined,
      defaultPasswords: ctx.configDir ? undefined : () => ({ passwords: loadOrCreatePasswords(dataDir, EMBEDDED_ACCOUNTS).passwords, pins: loadOrCreatePins(dataDir, EMBEDDED_EXTENSIONS).passwords }),
    });
  }
}
