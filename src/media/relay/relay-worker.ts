/**
 * Entry point of a relay worker thread: owns the sockets of the legs assigned to it, runs the
 * packet loop, paces playback and does per-leg housekeeping. It only talks to the main thread
 * through the messages of `protocol.ts`; one leg's failure is reported and never stops the loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import { readFile } from "node:fs/promises";
import { PbxError } from "../../core/errors.js";
import { decodeSoundFile } from "../codec/sound-file.js";
import { RtpPlayer } from "../playback/rtp-player.js";
import { Recorder } from "../record/recorder.js";
import { MixTap, type MixMonitorSpec } from "../record/mix-tap.js";
import { canTranscode } from "../codec/audio-codec.js";
import { dtmfFrequencies } from "../dtmf/dtmf-tones.js";
import { sendTelephoneEvent } from "../dtmf/event-sender.js";
import { BufferSource, SilenceSource, ToneSource, type SampleSource } from "../playback/sample-sources.js";
import type { FromWorker, ToWorker, WorkerConfig } from "./protocol.js";
import { RelayLeg, type LegEvents } from "./relay-leg.js";
import { LegIce } from "../ice/leg-ice.js";
import { ConferenceRooms } from "../conference/conference-rooms.js";
import type { PlaybackSource, PlayResult } from "./types.js";

const HOUSEKEEPING_MS = 100;
/** A player more than this far behind (event loop stall) skips ahead instead of bursting. */
const MAX_LAG_MS = 100;

const port = parentPort;
if (port === null) throw new Error("relay-worker must run in a worker thread");
const config = workerData as WorkerConfig;
const legs = new Map<string, RelayLeg>();
const players = new Set<RelayLeg>();
const rooms = new ConferenceRooms(legs);
let pacer: NodeJS.Timeout | undefined;

// What this turn reports goes to the main thread together at its end: one wake-up, not one per event.
let outbox: FromWorker[] = [];
const flush = (): void => {
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
};
const post = (m: FromWorker): void => {
  if (outbox.push(m) === 1) setImmediate(flush);
};

const events: LegEvents = {
  timeout: (leg) => post({ t: "timeout", id: leg.id }),
  dtmf: (leg, digit, durationMs, source, relayed) => post({ t: "dtmf", id: leg.id, digit, durationMs, source, relayed }),
  noMedia: (leg) => post({ t: "noMedia", id: leg.id, stats: leg.stats(performance.now()) }),
  error: (leg, err) => post({ t: "error", id: leg.id, message: err.message }),
  dtls: (leg, state) => post({ t: "dtls", id: leg.id, state }),
  iceSelected: (leg, component, local) => post({ t: "iceSelected", id: leg.id, component, local }),
  iceNotice: (leg, message) => post({ t: "iceNotice", id: leg.id, message }),
};

function reply(req: number, value: unknown): void {
  post({ t: "reply", req, ok: true, value });
}

function fail(req: number, err: unknown): void {
  const code = err instanceof PbxError ? err.code : ((err as NodeJS.ErrnoException).code ?? "INTERNAL");
  post({ t: "reply", req, ok: false, code, message: err instanceof Error ? err.message : String(err) });
}

async function sourceFor(src: PlaybackSource): Promise<SampleSource> {
  switch (src.kind) {
    case "tone":
      return new ToneSource(src);
    case "silence":
      return new SilenceSource(src.durationMs);
    case "samples":
      return new BufferSource(src.samples, src.loop === true);
    case "file": {
      let buf: Buffer;
      try {
        buf = await readFile(src.path);
      } catch (err) {
        throw new PbxError("MEDIA_FILE", `${src.path}: cannot read sound file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      return new BufferSource(decodeSoundFile(buf, src.path));
    }
  }
}

function stopPlayer(leg: RelayLeg, result: PlayResult): void {
  const p = leg.player;
  if (p === undefined) return;
  leg.player = undefined;
  players.delete(leg);
  p.close();
  p.finish(result);
}

/** Sends every packet that is due, then sleeps until the earliest next one. */
function pace(): void {
  pacer = undefined;
  const now = performance.now();
  let next = Infinity;
  for (const leg of players) {
    const p = leg.player;
    if (p === undefined) continue;
    try {
      if (now - p.nextAt > MAX_LAG_MS) p.nextAt = now;
      while (p.nextAt <= now + 1) {
        const pkt = p.nextPacket();
        if (pkt === undefined) {
          stopPlayer(leg, "done");
          break;
        }
        leg.sendOwn(pkt);
      }
      if (leg.player === p) next = Math.min(next, p.nextAt);
    } catch (err) {
      stopPlayer(leg, "stopped");
      events.error(leg, err as Error);
    }
  }
  if (next !== Infinity) pacer = setTimeout(pace, Math.max(0, next - performance.now()));
}

async function play(m: Extract<ToWorker, { t: "play" }>): Promise<void> {
  const leg = legs.get(m.id);
  if (leg === undefined) return reply(m.req, "stopped");
  const epoch = ++leg.playEpoch;
  const source = await sourceFor(m.source);
  // A stopPlay (or another play) that arrived while the file was read wins over this play.
  if (leg.closed || leg.playEpoch !== epoch) return reply(m.req, "stopped");
  stopPlayer(leg, "stopped");
  try {
    leg.player = new RtpPlayer(source, m.options, leg.own, (result) => reply(m.req, result), performance.now());
  } catch (err) {
    return fail(m.req, err);
  }
  players.add(leg);
  if (pacer !== undefined) clearTimeout(pacer);
  pace();
}

/**
 * A digit toward this leg's phone: as RFC 4733 events on its own stream, or inband as the key's
 * two tones in its codec (which, like a prompt, replaces the partner's audio meanwhile).
 */
function sendDtmf(m: Extract<ToWorker, { t: "dtmf" }>): void {
  const leg = legs.get(m.id);
  if (leg === undefined || leg.closed) return;
  const format = leg.options.format;
  if (m.method === "rfc4733") {
    if (format?.event !== undefined) void sendTelephoneEvent(leg.eventTarget(), m.digit, m.durationMs, format.event);
    return;
  }
  const freqs = dtmfFrequencies(m.digit);
  const codec = format?.codecs.find((c) => canTranscode(c.name)) ?? format?.codecs[0];
  if (freqs === undefined || codec === undefined) return;
  stopPlayer(leg, "stopped");
  try {
    leg.player = new RtpPlayer(new ToneSource({ kind: "tone", frequencies: freqs, durationMs: m.durationMs, level: 0.5 }), { payloadType: codec.payloadType, codec: codec.name, ...(format?.ptimeMs ? { ptimeMs: format.ptimeMs } : {}) }, leg.own, () => {}, performance.now());
  } catch (err) {
    events.error(leg, err as Error);
    return;
  }
  players.add(leg);
  if (pacer !== undefined) clearTimeout(pacer);
  pace();
}

/** Starts a MixMonitor tap on the leg; `req` is answered when it ends (or at once when it cannot start). */
function startTap(leg: RelayLeg, req: number, spec: MixMonitorSpec): void {
  let tap: MixTap;
  try {
    tap = new MixTap(spec, leg.tapLeg, (r) => {
      leg.taps.delete(tap);
      reply(req, r);
    });
  } catch (err) {
    return reply(req, { reason: "error", message: err instanceof Error ? err.message : String(err), durationMs: 0 });
  }
  leg.taps.set(tap, req);
}

async function release(leg: RelayLeg): Promise<void> {
  legs.delete(leg.id);
  stopPlayer(leg, "stopped");
  await leg.close();
}

function handle(m: ToWorker): void {
  switch (m.t) {
    case "alloc": {
      const leg = new RelayLeg(m.id, m.port, m.startedAt, config, events);
      leg.open(m.bindAddress).then(
        async () => {
          // ICE gathers before the reply: the offer or answer needs the candidates.
          const iceSpec = m.snapshot?.ice?.spec ?? m.ice;
          try {
            if (iceSpec !== undefined) await LegIce.gather(iceSpec, leg.iceHost, m.port, (ice) => (leg.ice = ice), m.snapshot?.ice);
          } catch (err) {
            await leg.close();
            return fail(m.req, err);
          }
          if (m.snapshot) leg.restore(m.snapshot);
          legs.set(m.id, leg);
          for (const t of m.snapshot?.taps ?? []) startTap(leg, t.req, t.spec);
          reply(m.req, { port: m.port, ...(leg.ice !== undefined ? { ice: leg.ice.local } : {}) });
        },
        (err: unknown) => fail(m.req, err),
      );
      return;
    }
    case "remote":
      legs.get(m.id)?.setRemote(m.remote);
      return;
    case "iceRemote":
      legs.get(m.id)?.ice?.setRemote(m.remote, m.role);
      return;
    case "options":
      legs.get(m.id)?.setOptions(m.options);
      return;
    case "bridge": {
      const a = legs.get(m.a);
      const b = legs.get(m.b);
      if (a === undefined || b === undefined) return;
      if (a.peer !== undefined && a.peer !== b) a.peer.unbridge();
      if (b.peer !== undefined && b.peer !== a) b.peer.unbridge();
      a.bridgeTo(b);
      b.bridgeTo(a);
      return;
    }
    case "unbridge": {
      const leg = legs.get(m.id);
      if (leg === undefined) return;
      leg.unbridge();
      return;
    }
    case "echo": {
      const leg = legs.get(m.id);
      if (leg) leg.echo = m.on;
      return;
    }
    case "srtp":
      legs.get(m.id)?.setSrtp(m.srtp);
      return;
    case "dtls":
      legs.get(m.id)?.setDtls(m.dtls);
      return;
    case "play":
      play(m).catch((err: unknown) => fail(m.req, err));
      return;
    case "dtmf":
      sendDtmf(m);
      return;
    case "record": {
      const leg = legs.get(m.id);
      if (leg === undefined || leg.closed) return reply(m.req, { reason: "hangup", samples: new Int16Array(0), trailingSilenceMs: 0 });
      leg.recorder?.stop("stopped");
      const rec: Recorder = new Recorder(leg.options.format, m.options, performance.now(), (r) => {
        if (leg.recorder === rec) leg.recorder = undefined;
        reply(m.req, r);
      });
      leg.recorder = rec;
      return;
    }
    case "mixMonitor": {
      const leg = legs.get(m.id);
      if (leg === undefined || leg.closed) return reply(m.req, { reason: "hangup", durationMs: 0 });
      startTap(leg, m.req, m.spec);
      return;
    }
    case "stopMixMonitor": {
      const leg = legs.get(m.id);
      for (const t of [...(leg?.taps.keys() ?? [])]) if (t.spec.tapId === m.tapId) t.stop("stopped");
      return;
    }
    case "stopRecord":
      legs.get(m.id)?.recorder?.stop("stopped");
      return;
    case "stopPlay": {
      const leg = legs.get(m.id);
      if (leg) {
        leg.playEpoch++;
        stopPlayer(leg, "stopped");
      }
      return;
    }
    case "stats": {
      const now = performance.now();
      if (m.id === undefined) return reply(m.req, [...legs.values()].map((l) => l.stats(now)));
      const leg = legs.get(m.id);
      return leg ? reply(m.req, [leg.stats(now)]) : reply(m.req, []);
    }
    case "detach": {
      const leg = legs.get(m.id);
      if (leg === undefined) return fail(m.req, new Error(`no leg ${m.id}`));
      const snap = leg.snapshot();
      // The taps continue their files where the leg goes, and answer the same requests from there.
      if (leg.taps.size > 0) snap.taps = [...leg.taps].map(([tap, req]) => ({ req, spec: tap.handover() }));
      leg.taps.clear();
      release(leg).then(
        () => reply(m.req, snap),
        (err: unknown) => fail(m.req, err),
      );
      return;
    }
    case "confJoin":
    case "confLeave":
    case "confMute":
      rooms.handle(m);
      return;
    case "release": {
      const leg = legs.get(m.id);
      if (leg === undefined) return;
      release(leg).then(
        () => post({ t: "released", port: leg.port }),
        (err: unknown) => post({ t: "error", id: leg.id, message: String(err) }),
      );
      return;
    }
  }
}

port.on("message", (batch: ToWorker[]) => {
  for (const m of batch) {
    try {
      handle(m);
    } catch (err) {
      post({ t: "error", message: err instanceof Error ? err.message : String(err) });
    }
  }
});

setInterval(() => {
  const now = performance.now();
  for (const leg of legs.values()) {
    try {
      leg.tick(now);
    } catch (err) {
      events.error(leg, err as Error);
    }
  }
}, HOUSEKEEPING_MS);

post({ t: "ready" });
