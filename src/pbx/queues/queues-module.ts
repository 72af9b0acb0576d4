/**
 * Call queues as app_queue has them: queues.conf's queues and static members, Queue(), the
 * dynamic members of AddQueueMember/RemoveQueueMember/PauseQueueMember/UnpauseQueueMember, and
 * `queue show`, `queue add member`, `queue remove member`.
 *
 * A waiting caller hears music on hold when the music on hold module is wired in (`music`),
 * else ringing (a 180: the caller stays unanswered until a member answers, as with Dial); the
 * music stops when a member answers (the caller enters Dial's bridge: BridgeEnter).
 */
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { CallManager } from "../channel/call-manager.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import type { DeviceState } from "../events.js";
import type { HintsModule } from "../hints/hints-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import { addQueueMemberApp, pauseQueueMemberApp, removeQueueMemberApp, unpauseQueueMemberApp, type MemberAppDeps } from "./member-apps.js";
import { queueApp } from "./queue-app.js";
import { queueCommands } from "./queue-commands.js";
import { QueueRuntime } from "./queue-state.js";
import { QUEUE_EVENTS, QueueEvents } from "./queue-events.js";

/** The applications this module registers, for `switchboard check` (check-apps.ts). */
export const QUEUE_APP_NAMES = ["Queue", "AddQueueMember", "RemoveQueueMember", "PauseQueueMember", "UnpauseQueueMember"] as const;

/** What waiting callers hear; the music on hold module gives it once loaded. */
export interface QueueMusic {
  start(channel: DivertedChannel, musicClass: string | undefined): void;
  stop(channel: DivertedChannel): void;
}

export class QueuesModule implements SwitchboardModule {
  readonly name = "queues";
  readonly provides = [{ name: "app_queue.so", description: "True Call Queueing" }];
  readonly configFiles = [{ file: "queues.conf" }];
  readonly emits = [...QUEUE_EVENTS];
  /** Set by the music on hold module when it is loaded. */
  music: QueueMusic | undefined;
  private readonly queues = new Map<string, QueueRuntime>();
  private ctx: PbxModuleContext | undefined;

  /** Comes before the call layer in the module list (Queue() must be known when the dialplan compiles); reaches it and the hints module lazily. */
  constructor(private readonly deps: { calls: CallLayerModule; hints: HintsModule }) {}

  private get manager(): CallManager {
    return this.deps.calls.calls.calls;
  }

  private now(): number {
    return this.ctx?.clock.now() ?? Date.now();
  }

  /** The queue `name` with the running configuration applied. */
  runtime(name: string): QueueRuntime | undefined {
    this.sync();
    return this.queues.get(name);
  }

  all(): QueueRuntime[] {
    this.sync();
    return [...this.queues.values()];
  }

  private sync(): void {
    const defs = this.ctx?.config().queues?.queues;
    if (defs === undefined) return;
    for (const [name, def] of defs) {
      const q = this.queues.get(name);
      if (q === undefined) {
        const created = new QueueRuntime(def);
        created.apply(def, this.now());
        this.queues.set(name, created);
      } else if (q.def !== def) q.apply(def, this.now());
    }
    for (const [name, q] of this.queues) if (!defs.has(name) && q.callers.length === 0) this.queues.delete(name);
  }

  deviceState(device: string): DeviceState {
    try {
      return this.deps.hints.deviceState(device);
    } catch {
      return "UNKNOWN";
    }
  }

  start(ctx: PbxModuleContext): void {
    this.ctx = ctx;
    const events = new QueueEvents(ctx.events, (name) => this.manager.dialplanChannel(name)?.view(), () => this.now());
    ctx.events.on("DialBegin", (e) => events.dialBegin(e));
    ctx.events.on("DialEnd", (e) => events.dialEnd(e));
    ctx.events.on("HangupRequest", (e) => events.hangupRequest(e.Channel));
    const memberDeps: MemberAppDeps = { runtime: (n) => this.runtime(n), all: () => this.all(), now: () => this.now() };
    ctx.apps.register(
      queueApp({
        runtime: (n) => this.runtime(n),
        deviceState: (dev) => this.deviceState(dev),
        now: () => this.now(),
        startWaiting: (ch, cls, ringing) => this.startWaiting(ch, cls, ringing),
        stopWaiting: (ch) => this.stopWaiting(ch),
        events,
      }),
    );
    ctx.apps.register(addQueueMemberApp(memberDeps));
    ctx.apps.register(removeQueueMemberApp(memberDeps));
    ctx.apps.register(pauseQueueMemberApp(memberDeps));
    ctx.apps.register(unpauseQueueMemberApp(memberDeps));
    for (const c of queueCommands({ runtime: (n) => this.runtime(n), all: () => this.all(), deviceState: (dev) => this.deviceState(dev), now: () => this.now() })) ctx.defer(ctx.commands.register(c));
    // A member answered: the caller joins Dial's bridge (music on hold stops itself on BridgeEnter).
    ctx.events.on("BridgeEnter", (e) => {
      // A member the queue rang entered a bridge: it took the call.
      for (const q of this.queues.values()) for (const m of q.members) if (m.ringing && e.Channel.toLowerCase().startsWith(`${m.interface.toLowerCase()}-`)) m.inCall = true;
    });
    ctx.events.on("BridgeLeave", (e) => {
      for (const q of this.queues.values()) for (const m of q.members) if (m.inCall && e.Channel.toLowerCase().startsWith(`${m.interface.toLowerCase()}-`)) m.inCall = false;
    });
  }

  /**
   * Music on hold (answering the caller) when the music on hold module is wired in; else, and
   * with option r, ringing as Asterisk indicates it: a 180 to a caller not yet answered (its
   * phone plays the ringback), and Dial answers it when a member does.
   */
  private startWaiting(ch: DialplanChannel, musicClass: string, ringing: boolean): void {
    const channel = this.manager.dialplanChannel(ch.name);
    if (channel === undefined) return;
    if (!ringing && this.music !== undefined) {
      const music = this.music;
      void channel.answer().then(() => {
        if (!channel.hungUp()) music.start(channel, musicClass || undefined);
      });
      return;
    }
    void channel.ringing();
  }

  private stopWaiting(ch: DialplanChannel): void {
    const channel = this.manager.dialplanChannel(ch.name);
    if (channel !== undefined) this.music?.stop(channel);
  }
}
