/**
 * Hints (`exten => 2001,hint,PJSIP/2001`): each hint's extension state follows the device
 * states of the devices it names — a PJSIP device is in use, ringing or idle by its channels
 * (pbx/channel/device-states.ts), and UNAVAILABLE while its endpoint has no contact. Every
 * change is an AMI ExtensionStatus event. The module also gives the dialplan DEVICE_STATE() and
 * EXTENSION_STATE(), the console `core show hints`, and AMI ExtensionState its answer.
 *
 * Hints on pattern extensions (`_20XX,hint,PJSIP/${EXTEN}`) are not implemented: they are left out.
 * Presence (the part after `,` in a hint) is not either: every hint's presence is not_set.
 */
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { ContactsModule } from "../registrar/contacts-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { DeviceState } from "../events.js";
import { extensionStateOf, extensionStateWord, EXTENSION_STATUS, hintDevices, type ExtensionStatusText } from "./extension-state.js";

export interface HintState {
  readonly exten: string;
  readonly context: string;
  /** As written: `PJSIP/2001&PJSIP/2002`. */
  readonly hint: string;
  readonly text: ExtensionStatusText;
  readonly status: number;
}

export class HintsModule implements SwitchboardModule {
  readonly name = "hints";
  readonly provides = [
    { name: "func_devstate.so", description: "Gets or sets a device state in the dialplan" },
    { name: "func_extstate.so", description: "Gets an extension's state in the dialplan" },
  ];
  readonly emits = ["ExtensionStatus"];
  readonly dependsOn: readonly string[];
  private readonly last = new Map<string, ExtensionStatusText>();
  private readonly watcherSources = new Set<(exten: string, context: string) => number>();
  private ctx: PbxModuleContext | undefined;

  constructor(private readonly deps: { calls: CallLayerModule; contacts: ContactsModule }) {
    this.dependsOn = [deps.calls.name, deps.contacts.name];
  }

  /** A device's state: `PJSIP/<endpoint>` from its channels and contacts; INVALID for an unknown endpoint, UNKNOWN for other technologies. */
  deviceState(device: string): DeviceState {
    const ctx = this.ctx;
    const m = /^PJSIP\/(.+)$/i.exec(device.trim());
    if (ctx === undefined || m?.[1] === undefined) return "UNKNOWN";
    const ep = ctx.directory().endpoint(m[1]);
    if (ep === undefined) return "INVALID";
    const inCalls = this.deps.calls.calls.calls.ctx.devices.stateOf(ep.id);
    if (inCalls !== "NOT_INUSE") return inCalls;
    const dir = ctx.directory();
    const now = ctx.clock.now();
    const store = this.deps.contacts.store;
    const online = ep.aors.some((a) => (dir.aors.get(a)?.contact.length ?? 0) > 0 || store.list(a).some((c) => c.expiresAt > now));
    return online ? "NOT_INUSE" : "UNAVAILABLE";
  }

  /** Every hint of the running dialplan (literal extensions), with its state now. */
  hints(): HintState[] {
    const out: HintState[] = [];
    const dialplan = this.deps.calls.calls.currentDialplan;
    for (const c of dialplan.contexts.values()) {
      for (const e of c.extensions) {
        if (e.hint === undefined || e.pattern !== undefined) continue;
        const text = extensionStateOf(hintDevices(e.hint.devices).map((d) => this.deviceState(d)));
        out.push({ exten: e.name, context: c.name, hint: e.hint.devices, text, status: EXTENSION_STATUS[text] });
      }
    }
    return out;
  }

  /** Adds a count of a hint's watchers (SIP subscriptions) for `core show hints`; returns its removal. */
  addWatchers(count: (exten: string, context: string) => number): () => void {
    this.watcherSources.add(count);
    return () => this.watcherSources.delete(count);
  }

  /** How many watch the hint of `exten@context`. */
  watchers(exten: string, context: string): number {
    let n = 0;
    for (const count of this.watcherSources) n += count(exten, context);
    return n;
  }

  /** One extension's hint state, or undefined when it has no hint. */
  stateOf(exten: string, context: string): HintState | undefined {
    return this.hints().find((h) => h.exten === exten && h.context === context);
  }

  start(ctx: PbxModuleContext): void {
    this.ctx = ctx;
    for (const h of this.hints()) this.last.set(`${h.exten}@${h.context}`, h.text);
    const changed = (): void => this.report();
    ctx.events.on("DeviceStateChange", changed);
    ctx.events.on("ContactStatus", changed);
    ctx.funcs.register({
      name: "DEVICE_STATE",
      synopsis: "Get or Set a device state.",
      read: (_f, args) => this.deviceState(args),
      write: (f, args) => f.log.warn({ device: args.slice(0, 60) }, `DEVICE_STATE(${args.slice(0, 60)})= is not implemented: only the PBX's own PJSIP devices have states (Custom: devices are not)`),
    });
    ctx.funcs.register({
      name: "EXTENSION_STATE",
      synopsis: "Get an extension's state.",
      read: (_f, args) => {
        const [exten = "", context = "default"] = args.trim().split("@");
        const h = this.stateOf(exten, context || "default");
        return extensionStateWord(h?.text ?? "Unknown");
      },
    });
    ctx.defer(
      ctx.commands.register({
        command: "core show hints",
        summary: "Show dialplan hints",
        usage: "Usage: core show hints\n       List registered hints.\n       Hint details are shown in five columns. In order from left to right, they are:\n       1. Hint extension URI.\n       2. List of mapped device or presence state identifiers.\n       3. Current extension state. The aggregate of mapped device states.\n       4. Current presence state for the mapped presence state provider.\n       5. Watchers - number of subscriptions and other entities watching this hint.\n",
        handler: () => showHints(this.hints(), (h) => this.watchers(h.exten, h.context)),
      }),
    );
  }

  /** The dialplan was reloaded: hints may have come or gone. */
  reload(): void {
    this.report();
  }

  private report(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    const seen = new Set<string>();
    for (const h of this.hints()) {
      const key = `${h.exten}@${h.context}`;
      seen.add(key);
      if (this.last.get(key) === h.text) continue;
      this.last.set(key, h.text);
      if (ctx.events.wants("ExtensionStatus")) ctx.events.emit("ExtensionStatus", { Exten: h.exten, Context: h.context, Hint: h.hint, Status: h.status, StatusText: h.text });
    }
    for (const key of [...this.last.keys()]) if (!seen.has(key)) this.last.delete(key);
  }

  stop(): void {
    this.ctx = undefined;
    this.last.clear();
  }
}

const cut = (s: string, w: number): string => s.slice(0, w).padEnd(w);

/** `core show hints` in pbx.c's layout. */
export function showHints(hints: readonly HintState[], watchers: (h: HintState) => number = () => 0): string {
  if (hints.length === 0) return "There are no registered dialplan hints\n";
  let out = "\n    -= Registered Asterisk Dial Plan Hints =-\n";
  for (const h of hints) out += `${cut(`${h.exten}@${h.context}`, 20)}: ${cut(h.hint, 20)}  State:${cut(h.text, 15)} Presence:${cut("not_set", 15)} Watchers ${String(watchers(h)).padStart(2)}\n`;
  return out + `----------------\n- ${hints.length} hints registered\n`;
}
