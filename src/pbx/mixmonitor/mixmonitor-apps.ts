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

export function mixMonitorApp(monitorDir: () => string, running: RunningMonitors, events: EventPort<PbxEvents>): DialplanApp {
  return {
    name: "MixMonitor",
    synopsis: "Record a call and mix the audio during the recording.",
    syntax: "MixMonitor(filename.extension[,options[,command]])",
    execute(ctx) {
      const ch = ctx.channel;
      const parsed = parseMixMonitorArgs(ctx.args, monitorDir());
      for (const w of parsed.warnings) ctx.log.warn({}, `MixMonitor: ${w}`);
      if (parsed.filename !== undefined) ctx.setVar("MIXMONITOR_FILENAME", parsed.filename);
      if (parsed.spec === undefined) return Promise.resolve("continue");
      if (ch.mixMonitor === undefined) {
        ctx.log.warn({}, `MixMonitor: ${ch.name} has no media to record`);
        return Promise.resolve("continue");
      }
      const tapId = `0x${randomBytes(6).toString("hex")}`;
      if (parsed.idVariable !== undefined) ctx.setVar(parsed.idVariable, tapId);
      const spec = { ...parsed.spec, tapId };
      const paths = [spec.mix, spec.receive, spec.transmit].flatMap((f) => (f === undefined ? [] : [f.path]));
      const log = ctx.log;
      const done = ch.mixMonitor(spec).then(
        (r) => {
          running.remove(ch, tapId);
          if (r.reason === "error") log.warn({}, `MixMonitor: ${ch.name}: ${r.message ?? "the recording failed"}`);
          else log.verbose(2, {}, `End MixMonitor Recording ${ch.name}`);
          if (parsed.deleteAfter) for (const p of paths) rmSync(p, { force: true });
          report(events, "MixMonitorStop", ch);
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
      report(events, "MixMonitorStart", ch);
      return Promise.resolve(ch.hungUp() ? "hangup" : "continue");
    },
  };
}

export function stopMixMonitorApp(running: RunningMonitors): DialplanApp {
  return {
    name: "StopMixMonitor",
    synopsis: "Stop recording a call through MixMonitor, and free the recording's file handle.",
    syntax: "StopMixMonitor([MixMonitorID])",
    async execute(ctx) {
      const ch = ctx.channel;
      const id = (ctx.args[0] ?? "").trim();
      const r = running.find(ch, id.length > 0 ? id : undefined);
      if (r === undefined) {
        if (id.length > 0) ctx.log.warn({}, `StopMixMonitor: no MixMonitor with ID ${id} on ${ch.name}`);
        return ch.hungUp() ? "hangup" : "continue";
      }
      ch.stopMixMonitor?.(r.tapId);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([r.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer);
      return ch.hungUp() ? "hangup" : "continue";
    },
  };
}
