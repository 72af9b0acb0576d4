/**
 * Voicemail as a module: voicemail.conf, the VoiceMail() and VoiceMailMain() applications,
 * MWI to the phones that list a mailbox, and the `voicemail …` console commands. At start it
 * repairs what a crash left in the spool; `voicemail reload` re-reads voicemail.conf alone.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatDiagnostic, parseConfigText, type VoicemailConfig } from "../../config/index.js";
import { buildVoicemailConfig } from "../../config/voicemail/load-voicemail.js";
import type { ContactsModule } from "../registrar/contacts-module.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { MWI_EVENT, mwiPackage, MwiNotifier } from "./mwi.js";
import { VoicemailMailer } from "./mailer.js";
import type { SubscriptionsModule } from "../subscriptions/subscriptions-module.js";
import type { GuardModule } from "../../security/guard-module.js";
import { registerVoicemailCommands } from "./voicemail-commands.js";
import { voicemailApp } from "./voicemail-app.js";
import { voicemailMainApp } from "./voicemail-main.js";
import { Voicemail } from "./voicemail.js";

/** The applications this module registers, by name (for `switchboard check`). */
export const VOICEMAIL_APP_NAMES = ["VoiceMail", "VoiceMailMain"] as const;

export class VoicemailModule implements SwitchboardModule {
  readonly name = "voicemail";
  readonly provides = [{ name: "app_voicemail.so", description: "Comedian Mail (Voicemail System)" }, { name: "res_pjsip_mwi.so", description: "PJSIP MWI resource" }];
  readonly configFiles = [{ file: "voicemail.conf" }];
  readonly dependsOn: readonly string[];
  private reread: VoicemailConfig | undefined;
  private vm: Voicemail | undefined;

  /** The mailboxes (AMI MailboxCount/MailboxStatus); undefined before the module started. */
  get voicemail(): Voicemail | undefined {
    return this.vm;
  }
  private mwi: MwiNotifier | undefined;

  /** message-summary in Allow-Events; application/simple-message-summary is what its NOTIFYs carry. */
  readonly capabilities = { eventPackages: ["message-summary"] };
  readonly emits = ["MessageWaiting"];

  constructor(private readonly deps: { contacts: ContactsModule; sip: SipStackModule; subscriptions: SubscriptionsModule; guard: GuardModule }) {
    this.dependsOn = [deps.contacts.name, deps.sip.name, deps.subscriptions.name, deps.guard.name];
  }

  start(ctx: PbxModuleContext): void {
    const log = ctx.log.child({ category: "pbx.voicemail" });
    const vm = new Voicemail({ voicemail: () => this.reread ?? ctx.config().voicemail, asterisk: () => ctx.config().asterisk, dataDir: ctx.dataDir, log });
    this.vm = vm;
    const subs = this.deps.subscriptions.server;
    const mwi = new MwiNotifier({
      vm,
      subscribed: (ep) => subs.list(MWI_EVENT).some((x) => x.endpoint.id === ep.id),
      directory: ctx.directory,
      contacts: () => this.deps.contacts.store,
      transactions: () => this.deps.sip.transactions,
      transports: () => this.deps.sip.transports,
      userAgent: ctx.userAgent,
      log,
    });
    this.mwi = mwi;
    vm.repairAll();
    this.warnFormats(vm, log);
    ctx.defer(subs.addPackage(mwiPackage(vm, mwi, ctx.directory)));
    ctx.defer(
      vm.on("changed", (key) => {
        mwi.mailboxChanged(key);
        subs.changed(MWI_EVENT, (resource) => resource.split(",").includes(key));
        const box = vm.find(key);
        if (box !== undefined && ctx.events.wants("MessageWaiting")) {
          const n = vm.counts(box);
          ctx.events.emit("MessageWaiting", { Mailbox: key, Waiting: n.new > 0 ? 1 : 0, New: n.new, Old: n.old });
        }
      }),
    );
    ctx.events.on("ContactStatus", (e) => {
      if (e.ContactStatus !== "Created") return;
      const ep = ctx.directory().endpoints.get(e.EndpointName);
      const c = this.deps.contacts.store.list(e.AOR).find((x) => x.uri === e.URI);
      if (ep !== undefined && c !== undefined) mwi.notifyContact(ep, c);
    });
    const mailer = new VoicemailMailer({ general: () => vm.general, log });
    ctx.apps.register(
      voicemailApp(vm, (saved) => {
        // After the message is on disk, and without holding up the call.
        void mailer.send(saved).then((sent) => {
          if (!sent || !vm.general.delete) return;
          try {
            // By msg_id: the message's number may have changed while the mail was on its way.
            const spool = vm.spool(saved.box);
            const msg = spool.list("INBOX").find((x) => x.fields.get("msg_id") === saved.msgId);
            if (msg === undefined) return;
            spool.remove("INBOX", msg.index);
            vm.touch(saved.box);
          } catch (err) {
            log.warn({ err }, `Voicemail ${saved.box.box}@${saved.box.context}: delete=yes could not remove the emailed message: ${(err as Error).message}`);
          }
        });
      }),
    );
    // A wrong mailbox password is a failed login the guard counts, as it counts digest failures.
    ctx.apps.register(
      voicemailMainApp(vm, (f) => {
        const s = f.channel.signalling;
        if (s === undefined) return;
        this.deps.guard.events.publish({
          type: "InvalidPassword",
          time: ctx.clock.now(),
          service: "VoiceMail",
          accountId: f.mailbox,
          sessionId: f.channel.callid ?? f.channel.name,
          local: { transport: s.transport, address: s.localAddress, port: s.localPort },
          remote: { transport: s.transport, address: s.remoteAddress, port: s.remotePort },
          method: "INVITE",
          username: f.mailbox,
        });
      }),
    );
    for (const undo of registerVoicemailCommands(ctx.commands, vm, { zones: () => (this.reread ?? ctx.config().voicemail).zones, reload: () => this.rereadConfig(ctx) })) ctx.defer(undo);
  }

  reload(ctx: PbxModuleContext): void {
    this.reread = undefined;
    if (this.vm !== undefined) {
      this.vm.repairAll();
      for (const m of this.vm.all()) this.mwi?.mailboxChanged(`${m.box}@${m.context}`);
    }
    this.deps.subscriptions.server.refreshAll(MWI_EVENT);
    void ctx;
  }

  private warnFormats(vm: Voicemail, log: PbxModuleContext["log"]): void {
    const bad = vm.general.format.split("|").map((f) => f.trim()).filter((f) => f.length > 0 && !vm.formats().includes(f as never));
    if (bad.length > 0) log.warn({}, `voicemail.conf format=${vm.general.format}: Switchboard cannot write ${bad.join(", ")} (no GSM codec); messages are recorded as ${vm.format}`);
  }

  private rereadConfig(ctx: PbxModuleContext): string {
    if (ctx.configDir === undefined) return "Reloading voicemail configuration...\n";
    let text: string | undefined;
    try {
      text = readFileSync(join(ctx.configDir, "voicemail.conf"), "utf8");
    } catch {
      text = undefined;
    }
    const r = buildVoicemailConfig(text === undefined ? undefined : parseConfigText(text, "voicemail.conf", { readFile: (n) => { try { return readFileSync(join(ctx.configDir ?? ".", n), "utf8"); } catch { return undefined; } } }));
    for (const d of r.diagnostics) ctx.log.warn({}, formatDiagnostic(d));
    this.reread = r.config;
    this.vm?.repairAll();
    if (this.vm !== undefined) for (const m of this.vm.all()) this.mwi?.mailboxChanged(`${m.box}@${m.context}`);
    this.deps.subscriptions.server.refreshAll(MWI_EVENT);
    return "Reloading voicemail configuration...\n";
  }
}
