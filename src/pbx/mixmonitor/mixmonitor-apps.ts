/**
 * `MixMonitor(filename[.extension][,options[,command]])` and `StopMixMonitor([MixMonitorID])`.
 *
 * MixMonitor starts a recording of the channel's two directions in its media worker and returns
 * at once; the recording runs on while the dialplan goes on (through a Dial() that bridges the
 * channel) until StopMixMonitor() or the hangup. It does not answer. `${MIXMONITOR_FILENAME}` is
 * the mixed file's path. StopMixMonitor returns once the files are closed, so the dialplan after
 * it may use them (as Asterisk documents: "Use of StopMixMonitor is required to guarantee the
 * audio file is available for processing during dialplan execution").
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import type { EventPort } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import type { MixMonitorResult } from "../../media/index.js";
import type { DialplanApp } from "../apps/registry.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import { channelFields, type ChannelView, type PbxEvents } from "../events.js";
import { parseMixMonitorArgs } from "./mixmonitor-args.js";

/** How long StopMixMonitor waits for the worker to close the files. */
const STOP_WAIT_MS = 5000;

interface Running {
  readonly tapId: string;
  readonly done: Promise<MixMonitorResult>;
}

/** The recordings running on each channel, the latest last. */
export class RunningMonitors {
  private readonly byChannel = new WeakMap<DialplanChannel, Running[]>();

  add(ch: DialplanChannel, r: Running): void {
    const list = this.byChannel.get(ch) ?? [];
    list.push(r);
    this.byChannel.set(ch, list);
  }

  remove(ch: DialplanChannel, tapId: string): void {
    const list = this.byChannel.get(ch);
    if (list === undefined) return;
    const i = list.findIndex((r) => r.tapId === tapId);
    if (i >= 0) list.splice(i, 1);
  }

  /** The one named `tapId`, or without one the latest started. */
  find(ch: DialplanChannel, tapId: string | undefined): Running | undefined {
    const list = this.byChannel.get(ch) ?? [];
    return tapId === undefined || tapId.length === 0 ? list[list.length - 1] : list.find((r) => r.tapId === tapId);
  }

  count(ch: DialplanChannel): number {
    return this.byChannel.get(ch)?.length ?? 0;
  }
}

/**
 * The channel's snapshot for MixMonitorStart/Stop. The call layer's channels have one
 * (`view()`); the dialplan's view of a channel does not name it (dialplan/channel.ts is below
 * events.ts), so it is looked for.
 */
function viewOf(ch: DialplanChannel): ChannelView | undefined {
  const view = (ch as Partial<{ view(): ChannelView }>).view;
  return typeof view === "function" ? view.call(ch) : undefined;
}

function report(events: EventPort<PbxEvents>, name: "MixMonitorStart" | "MixMonitorStop", ch: DialplanChannel): void {
  if (!events.wants(name)) return;
  const v = viewOf(ch);
  if (v !== undefined) events.emit(name, channelFields(v));
}

/** What starting or stopping a recording writes to: the log and the channel's variables. */
export interface MonitorIo {
  readonly log: Logger;
  setVar(name: string, value: string): void;
}

/**
 * Starting and stopping recordings on a channel, for the applications and for AMI's MixMonitor
 * and StopMixMonitor actions.
 */
export class MixMonitors {
  readonly running = new RunningMonitors();

  constructor(
    private readonly monitorDir: () => string,
    private readonly events: EventPort<PbxEvents>,
  ) {}

  /** Starts a recording as `MixMonitor(args)` does; returns its ID, or undefined when nothing is recorded (after warnings). */
  start(ch: DialplanChannel, args: readonly string[], io: MonitorIo): string | undefined {
    const { log } = io;
    const parsed = parseMixMonitorArgs(args, this.monitorDir());
    for (const w of parsed.warnings) log.warn({}, `MixMonitor: ${w}`);
    if (parsed.filename !== undefined) io.setVar("MIXMONITOR_FILENAME", parsed.filename);
    if (parsed.spec === undefined) return undefined;
    if (ch.mixMonitor === undefined) {
      log.warn({}, `MixMonitor: ${ch.name} has no media to record`);
      return undefined;
    }
    const tapId = `0x${randomBytes(6).toString("hex")}`;
    if (parsed.idVariable !== undefined) io.setVar(parsed.idVariable, tapId);
    const spec = { ...parsed.spec, tapId };
    const paths = [spec.mix, spec.receive, spec.transmit].flatMap((f) => (f === undefined ? [] : [f.path]));
    const running = this.running;
    const done = ch.mixMonitor(spec).then(
      (r) => {
        running.remove(ch, tapId);
        if (r.reason === "error") log.warn({}, `MixMonitor: ${ch.name}: ${r.message ?? "the recording failed"}`);
        else log.verbose(2, {}, `End MixMonitor Recording ${ch.name}`);
        if (parsed.deleteAfter) for (const p of paths) rmSync(p, { force: true });
        report(this.events, "MixMonitorStop", ch);
        return r;
      },
      (err: unknown) => {
        running.remove(ch, tapId);
        log.warn({}, `MixMonitor: ${ch.name}: ${err instanceof Error ? err.message : String(err)}`);
        return { reason: "error", message: String(err), durationMs: 0 } satisfies MixMonitorResult;
      },
    );
    running.add(ch, { tapId, done });
    log.verbose(2, {}, `Begin MixMonitor Recording ${ch.name}`);
    report(this.events, "MixMonitorStart", ch);
    return tapId;
  }

  /** Stops the recording `id` names (else the latest); resolves false when there is none, true once its files are closed. */
  async stop(ch: DialplanChannel, id: string | undefined): Promise<boolean> {
    const r = this.running.find(ch, id);
    if (r === undefined) return false;
    ch.stopMixMonitor?.(r.tapId);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([r.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
    return true;
  }
}

export function mixMonitorApp(monitors: MixMonitors): DialplanApp {
  return {
    name: "MixMonitor",
    synopsis: "Record a call and mix the audio during the recording.",
    syntax: "MixMonitor(filename.extension[,options[,command]])",
    execute(ctx) {
      monitors.start(ctx.channel, ctx.args, { log: ctx.log, setVar: (n, v) => ctx.setVar(n, v) });
      return Promise.resolve(ctx.channel.hungUp() ? "hangup" : "continue");
    },
  };
}

export function stopMixMonitorApp(monitors: MixMonitors): DialplanApp {
  return {
    name: "StopMixMonitor",
    synopsis: "Stop recording a call through MixMonitor, and free the recording's file handle.",
    syntax: "StopMixMonitor([MixMonitorID])",
    async execute(ctx) {
      const ch = ctx.channel;
      const id = (ctx.args[0] ?? "").trim();
      const stopped = await monitors.stop(ch, id.length > 0 ? id : undefined);
      if (!stopped && id.length > 0) ctx.log.warn({}, `StopMixMonitor: no MixMonitor with ID ${id} on ${ch.name}`);
      return ch.hungUp() ? "hangup" : "continue";
    },
  };
}
