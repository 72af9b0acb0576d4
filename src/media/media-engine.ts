/**
 * The media plane's facade for the B2BUA: allocates RTP/RTCP port pairs, and relays, echoes or
 * plays RTP on them. Packets never touch the main thread: each leg lives in one of a few worker
 * threads (RFC 3550 relay "translator" without any header change), and every call here is a
 * message to that worker, so signalling never waits on media. Legs that will be bridged should be
 * allocated with the same `group` (e.g. the call's id) so they share a worker; `bridge()` of legs
 * in different workers moves one of them (its port stays the same; a few packets may be lost).
 *
 *   allocate ─► setRemote/setOptions ─► bridge | echo | play ─► unbridge ─► release
 */
import type { LegIceLocal, LegIceSpec } from "./ice/leg-ice.js";
import type { IceCandidate, IceParameters } from "./ice/candidate.js";
import type { IceRole } from "./ice/ice-agent.js";
import type { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { type Clock, systemClock } from "../core/clock.js";
import { TypedEmitter } from "../core/emitter.js";
import { InvalidStateError, PbxError, type ErrorCode, ERROR_CODES } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { PortPool } from "./relay/port-pool.js";
import type { FromWorker, LegSnapshot, ToWorker, WorkerConfig } from "./relay/protocol.js";
import { spawnRelayWorker } from "./relay/spawn-worker.js";
import type { MixMonitorResult, MixMonitorSpec } from "./record/mix-tap.js";
import type { RecordOptions, RecordResult } from "./record/recorder.js";
import type { ConferenceSettings } from "./conference/conference-room.js";
import type { LegDtls } from "./dtls/types.js";
import type { LegOptions, LegSrtp, LegStats, MediaEngineEvents, MediaEngineOptions, PlaybackSource, PlayOptions, PlayResult, RemoteAddress } from "./relay/types.js";

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  legs: number;
  dead: boolean;
  /** Commands of this event-loop turn, posted together at its end (one wake-up of the worker). */
  outbox: ToWorker[];
}

interface LegHandle {
  readonly id: string;
  readonly port: number;
  readonly bindAddress: string;
  readonly startedAt: number;
  readonly group: string | undefined;
  slot: Slot;
  /** Commands held back while the leg moves to another worker. */
  queue: ToWorker[] | undefined;
}

interface Pending {
  slot: Slot;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** Bind errors after which the next port pair is tried. */
const PORT_TAKEN = new Set(["EADDRINUSE", "EACCES"]);

export class MediaEngine extends TypedEmitter<MediaEngineEvents> {
  /** Each bridged leg's partner, as this side asked the workers (unbridge(id, from) checks it). */
  private readonly partners = new Map<string, string>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly pool: PortPool;
  private readonly slots: Slot[] = [];
  private readonly legs = new Map<string, LegHandle>();
  private readonly groups = new Map<string, { slot: Slot; count: number }>();
  /** Conference rooms: the worker each one mixes in, and the legs in it. */
  private readonly rooms = new Map<string, { slot: Slot; legs: Set<string> }>();
  private readonly pending = new Map<number, Pending>();
  private nextReq = 1;
  private nextLeg = 1;
  private nextSlot = 0;
  private state: "new" | "running" | "closed" = "new";

  constructor(private readonly opts: MediaEngineOptions) {
    super();
    this.log = opts.log.child({ category: "media.relay" });
    this.clock = opts.clock ?? systemClock;
    this.pool = new PortPool(opts.rtpStart, opts.rtpEnd);
  }

  /** Starts the worker threads; resolves when all of them are ready. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new InvalidStateError(`MediaEngine.start() called when ${this.state}`);
    this.state = "running";
    const count = Math.max(1, this.opts.workers ?? Math.min(2, availableParallelism()));
    const config: WorkerConfig = { strictRtp: this.opts.strictRtp, probation: Math.max(1, this.opts.probation), noMediaMs: this.opts.noMediaMs ?? 5000, srtpReplayProtection: this.opts.srtpReplayProtection ?? true };
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = spawnRelayWorker(config, `media-relay-${i}`);
      const slot: Slot = { index: i, worker, legs: 0, dead: false, outbox: [] };
      this.slots.push(slot);
      ready.push(
        new Promise((resolve, reject) => {
          worker.on("message", (batch: FromWorker[]) => {
            for (const m of batch) {
              if (m.t === "ready") resolve();
              else this.onWorkerMessage(slot, m);
            }
          });
          worker.once("error", reject);
          worker.once("exit", (code) => reject(new Error(`relay worker ${i} exited with code ${code} during start`)));
        }),
      );
      worker.on("error", (err) => this.onWorkerDeath(slot, err));
      worker.on("exit", (code) => this.onWorkerDeath(slot, new Error(`relay worker ${i} exited (code ${code})`)));
    }
    await Promise.all(ready);
    this.log.info({ rtpStart: this.opts.rtpStart, rtpEnd: this.opts.rtpEnd, workers: count, strictrtp: this.opts.strictRtp }, "RTP Allocating from port range");
  }

  /**
   * Binds an RTP/RTCP port pair in a worker. Legs with the same `group` share a worker, so
   * bridging them needs no move.
   */
  async allocate(o: { bindAddress?: string; group?: string; ice?: LegIceSpec } = {}): Promise<{ id: string; localPort: number; localRtcpPort: number; ice?: LegIceLocal }> {
    if (this.state !== "running") throw new InvalidStateError(`MediaEngine.allocate() called when ${this.state} (start() first)`);
    const slot = this.slotFor(o.group);
    const bindAddress = o.bindAddress ?? this.opts.bindAddress;
    const id = `rtp-${this.nextLeg++}`;
    const startedAt = this.clock.now();
    for (let attempt = 0; attempt < this.pool.capacity; attempt++) {
      const port = this.pool.take();
      if (port === undefined) break;
      let ice: LegIceLocal | undefined;
      try {
        const value = (await this.request(slot, { t: "alloc", req: 0, id, port, bindAddress, startedAt, ...(o.ice !== undefined ? { ice: o.ice } : {}) })) as { ice?: LegIceLocal };
        ice = value.ice;
      } catch (err) {
        this.pool.free(port);
        if (err instanceof PbxError && PORT_TAKEN.has(err.message.split(":")[0] ?? "")) continue;
        throw err;
      }
      const handle: LegHandle = { id, port, bindAddress, startedAt, group: o.group, slot, queue: undefined };
      this.legs.set(id, handle);
      slot.legs++;
      if (o.group !== undefined) {
        const g = this.groups.get(o.group);
        if (g) g.count++;
        else this.groups.set(o.group, { slot, count: 1 });
      }
      if (this.state !== "running") throw new InvalidStateError("MediaEngine closed during allocate()");
      return { id, localPort: port, localRtcpPort: port + 1, ...(ice !== undefined ? { ice } : {}) };
    }
    const err = new PbxError("MEDIA_NO_PORTS", `no free RTP port pair between rtpstart=${this.opts.rtpStart} and rtpend=${this.opts.rtpEnd} (${this.legs.size} legs in use); widen the range in rtp.conf`);
    this.log.warn({ rtpStart: this.opts.rtpStart, rtpEnd: this.opts.rtpEnd, legs: this.legs.size }, "no free RTP port pair");
    throw err;
  }

  /** The peer's media address from its SDP `c=`/`m=` (and `a=rtcp:`) lines. */
  setRemote(id: string, remote: RemoteAddress): void {
    this.send(this.handle(id), { t: "remote", id, remote: { ...remote } });
  }

  /** Local candidates of the pairs ICE selected, per leg and component (reported by the workers). */
  private readonly iceSelections = new Map<string, Map<number, IceCandidate>>();

  /** The local candidate of the pair ICE selected for a leg's component, once there is one. */
  iceSelected(id: string, component: number): IceCandidate | undefined {
    return this.iceSelections.get(id)?.get(component);
  }

  /** The peer's ICE parameters (RFC 8839) and our role: the leg's agent starts its checks. */
  setIceRemote(id: string, remote: IceParameters, role: IceRole): void {
    this.send(this.handle(id), { t: "iceRemote", id, remote, role });
  }

  setOptions(id: string, o: Partial<LegOptions>): void {
    this.send(this.handle(id), { t: "options", id, options: { ...o } });
  }

  /** Relays RTP and RTCP between `a` and `b` (each received packet leaves from the other leg's socket, untouched). */
  bridge(a: string, b: string): void {
    const ha = this.handle(a);
    const hb = this.handle(b);
    if (a === b) throw new PbxError("INVALID_ARGUMENT", `MediaEngine.bridge(): cannot bridge leg ${a} to itself`);
    for (const id of [a, b]) {
      const old = this.partners.get(id);
      if (old !== undefined) this.partners.delete(old);
    }
    this.partners.set(a, b);
    this.partners.set(b, a);
    if (hb.slot !== ha.slot) this.move(hb, ha.slot);
    const msg: ToWorker = { t: "bridge", a, b };
    const waiting = hb.queue ?? ha.queue;
    if (waiting) waiting.push(msg);
    else this.post(ha.slot, msg);
  }

  /**
   * Takes the leg out of its bridge. With `from`, only when `from` is still its partner: a bridge
   * that closes late (a Dial ending after a pickup joined its caller elsewhere) leaves the new
   * pair alone.
   */
  unbridge(id: string, from?: string): void {
    const partner = this.partners.get(id);
    if (from !== undefined && partner !== from) return;
    if (partner !== undefined) {
      this.partners.delete(id);
      if (this.partners.get(partner) === id) this.partners.delete(partner);
    }
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "unbridge", id });
  }

  /**
   * ConfBridge(): the leg's audio goes to conference `room` and its phone hears the mix of the
   * other members. Every leg of a room is mixed in one worker: a leg elsewhere moves there.
   */
  joinConference(room: string, id: string, settings: ConferenceSettings, muted: boolean): void {
    const h = this.handle(id);
    for (const [name, r] of this.rooms) if (name !== room) this.dropFromRoom(name, r, id);
    let r = this.rooms.get(room);
    if (r === undefined || r.slot.dead) {
      r = { slot: h.slot, legs: new Set() };
      this.rooms.set(room, r);
    }
    r.legs.add(id);
    if (h.slot !== r.slot) this.move(h, r.slot);
    this.send(h, { t: "confJoin", conf: room, id, settings: { ...settings }, muted });
  }

  /** The leg leaves its conference (it hears nothing until bridged or played to again). */
  leaveConference(id: string): void {
    for (const [name, r] of this.rooms) this.dropFromRoom(name, r, id);
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "confLeave", id });
  }

  /** Mutes what the leg's phone says toward its conference (it still hears the others). */
  muteInConference(id: string, muted: boolean): void {
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "confMute", id, muted });
  }

  private dropFromRoom(name: string, r: { legs: Set<string> }, id: string): void {
    if (r.legs.delete(id) && r.legs.size === 0) this.rooms.delete(name);
  }

  /** SDES-keyed SRTP with this leg's phone (RFC 3711, RFC 4568); undefined goes back to plain RTP. */
  setSrtp(id: string, srtp: LegSrtp | undefined): void {
    this.send(this.handle(id), { t: "srtp", id, srtp: srtp === undefined ? undefined : { ...srtp } });
  }

  /** DTLS-SRTP with this leg's phone (RFC 5763, RFC 5764): the worker runs the handshake and keys SRTP from it; undefined ends it. */
  setDtls(id: string, dtls: LegDtls | undefined): void {
    this.send(this.handle(id), { t: "dtls", id, dtls: dtls === undefined ? undefined : structuredClone(dtls) });
  }

  /** Echo(): reflect received RTP back to the sender. */
  echo(id: string, on: boolean): void {
    this.send(this.handle(id), { t: "echo", id, on });
  }

  /** Playback(): sends `source` as G.711 RTP at real-time pace; resolves "stopped" when interrupted. */
  async play(id: string, source: PlaybackSource, opts: PlayOptions): Promise<PlayResult> {
    const h = this.handle(id);
    return (await this.request(h, { t: "play", req: 0, id, source, options: { ...opts } })) as PlayResult;
  }

  /** Sends a DTMF digit to this leg's phone: RFC 4733 events (needs telephone-event in its format) or inband tones. */
  sendDtmf(id: string, digit: string, durationMs: number, method: "rfc4733" | "inband"): void {
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "dtmf", id, digit, durationMs, method });
  }

  /**
   * Record(), VoiceMail(): decodes what this leg's phone sends to 8 kHz audio until `stopRecording`,
   * the leg's release ("hangup"), the maximum duration or a run of silence; resolves with it.
   */
  async record(id: string, options: RecordOptions): Promise<RecordResult> {
    const h = this.handle(id);
    return (await this.request(h, { t: "record", req: 0, id, options: { ...options } })) as RecordResult;
  }

  stopRecording(id: string): void {
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "stopRecord", id });
  }

  /**
   * MixMonitor(): writes both directions of this leg's audio (what its phone sends and what it is
   * sent), mixed and/or one file each, in the worker, until `stopMixMonitor` or the leg's release
   * ("hangup"); resolves then, the files closed. A file that cannot be written resolves "error".
   */
  async mixMonitor(id: string, spec: MixMonitorSpec): Promise<MixMonitorResult> {
    const h = this.handle(id);
    return (await this.request(h, { t: "mixMonitor", req: 0, id, spec: structuredClone(spec) })) as MixMonitorResult;
  }

  stopMixMonitor(id: string, tapId: string): void {
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "stopMixMonitor", id, tapId });
  }

  stopPlayback(id: string): void {
    const h = this.legs.get(id);
    if (h) this.send(h, { t: "stopPlay", id });
  }

  async stats(id: string): Promise<LegStats> {
    const h = this.handle(id);
    const list = (await this.request(h, { t: "stats", req: 0, id })) as LegStats[];
    const s = list[0];
    if (s === undefined) throw new PbxError("INVALID_ARGUMENT", `MediaEngine.stats(): leg ${id} was released`);
    return s;
  }

  async allStats(): Promise<LegStats[]> {
    const live = this.slots.filter((s) => !s.dead);
    const parts = await Promise.all(live.map((s) => this.request(s, { t: "stats", req: 0 }) as Promise<LegStats[]>));
    return parts.flat().filter((s) => this.legs.has(s.id));
  }

  /** Closes the leg's sockets and frees its ports. Safe to call twice. */
  release(id: string): void {
    const h = this.legs.get(id);
    if (h === undefined) return;
    this.legs.delete(id);
    this.iceSelections.delete(id);
    const partner = this.partners.get(id);
    if (partner !== undefined) {
      this.partners.delete(id);
      if (this.partners.get(partner) === id) this.partners.delete(partner);
    }
    h.slot.legs--;
    for (const [name, r] of this.rooms) this.dropFromRoom(name, r, id);
    if (h.group !== undefined) {
      const g = this.groups.get(h.group);
      if (g && --g.count <= 0) this.groups.delete(h.group);
    }
    // The port pair stays booked until the worker reports the sockets closed ("released").
    this.send(h, { t: "release", id });
  }

  /** UDP ports held by allocated, not yet released legs (RTP + RTCP: two per leg). */
  portsInUse(): number {
    return this.legs.size * 2;
  }

  /** Terminates the workers (their sockets close with them). Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    for (const p of this.pending.values()) p.reject(new InvalidStateError("MediaEngine closed"));
    this.pending.clear();
    this.legs.clear();
    this.groups.clear();
    this.rooms.clear();
    const slots = this.slots.splice(0);
    for (const s of slots) s.dead = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    this.pool.clear();
  }

  private handle(id: string): LegHandle {
    const h = this.legs.get(id);
    if (h === undefined) throw new PbxError("INVALID_ARGUMENT", `MediaEngine: no RTP leg '${id}' (never allocated or already released)`);
    return h;
  }

  private slotFor(group: string | undefined): Slot {
    const g = group === undefined ? undefined : this.groups.get(group);
    if (g && !g.slot.dead) return g.slot;
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) throw new InvalidStateError("MediaEngine: no relay worker is running");
    // Least loaded; ties go round-robin so groups spread over the workers.
    let best = live[this.nextSlot++ % live.length]!;
    for (const s of live) if (s.legs < best.legs) best = s;
    return best;
  }

  private send(h: LegHandle, msg: ToWorker): void {
    if (h.queue) h.queue.push(msg);
    else if (!h.slot.dead) this.post(h.slot, msg);
  }

  private post(slot: Slot, msg: ToWorker): void {
    slot.outbox.push(msg);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private flushScheduled = false;
  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const slot of this.slots) {
      if (slot.outbox.length === 0) continue;
      const batch = slot.outbox;
      slot.outbox = [];
      if (!slot.dead) slot.worker.postMessage(batch);
    }
  };

  /** Sends a command that expects a reply; `req` is filled in here. */
  private request(target: Slot | LegHandle, msg: ToWorker & { req: number }): Promise<unknown> {
    const slot = "worker" in target ? target : target.slot;
    if (slot.dead) return Promise.reject(new InvalidStateError("MediaEngine: relay worker is not running"));
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { slot, resolve, reject });
      const m = { ...msg, req } as ToWorker;
      if ("worker" in target) this.post(slot, m);
      else this.send(target, m);
    });
  }

  /** Moves a leg to another worker: close its sockets there, bind the same ports here. */
  private move(h: LegHandle, to: Slot): void {
    const from = h.slot;
    const queue: ToWorker[] = (h.queue ??= []);
    h.slot = to;
    from.legs--;
    to.legs++;
    this.log.debug({ leg: h.id, from: from.index, to: to.index }, "moving RTP leg to its partner's worker");
    const detach = new Promise<unknown>((resolve, reject) => {
      const req = this.nextReq++;
      this.pending.set(req, { slot: from, resolve, reject });
      this.post(from, { t: "detach", req, id: h.id });
    });
    detach
      .then((snapshot) => this.request(to, { t: "alloc", req: 0, id: h.id, port: h.port, bindAddress: h.bindAddress, startedAt: h.startedAt, snapshot: snapshot as LegSnapshot }))
      .then(
        () => {
          h.queue = undefined;
          for (const m of queue) this.post(to, m);
        },
        (err: unknown) => {
          h.queue = undefined;
          this.legs.delete(h.id);
          this.pool.free(h.port);
          to.legs--;
          this.fail(new PbxError("MEDIA_NO_PORTS", `RTP leg ${h.id} could not move to its partner's worker: ${String(err)}`), h.id);
        },
      );
  }

  private onWorkerMessage(slot: Slot, m: FromWorker): void {
    switch (m.t) {
      case "reply": {
        const p = this.pending.get(m.req);
        if (p === undefined) return;
        this.pending.delete(m.req);
        if (m.ok) p.resolve(m.value);
        else p.reject(new PbxError(m.code in ERROR_CODES ? (m.code as ErrorCode) : "TRANSPORT", m.code in ERROR_CODES ? m.message : `${m.code}: ${m.message}`));
        return;
      }
      case "released":
        this.pool.free(m.port);
        return;
      case "timeout":
        if (this.legs.has(m.id)) this.emit("timeout", m.id, "in");
        return;
      case "dtmf":
        if (this.legs.has(m.id)) this.emit("dtmf", m.id, m.digit, m.durationMs, m.source, m.relayed);
        return;
      case "noMedia":
        if (this.legs.has(m.id)) this.emit("noMedia", m.id, m.stats);
        return;
      case "dtls":
        if (this.legs.has(m.id)) this.emit("dtls", m.id, m.state);
        return;
      case "iceSelected": {
        if (!this.legs.has(m.id)) return;
        const sel = this.iceSelections.get(m.id) ?? new Map<number, IceCandidate>();
        sel.set(m.component, m.local);
        this.iceSelections.set(m.id, sel);
        return;
      }
      case "iceNotice":
        this.log.warn({ leg: m.id, ice: m.message }, "ICE candidate pairs over the checklist limit");
        return;
      case "error":
        this.fail(new Error(m.message), m.id);
        return;
      case "ready":
        return;
    }
    void slot;
  }

  private fail(err: Error, leg?: string): void {
    this.log.warn({ leg, err: err.message }, "media relay error");
    this.emit("error", err);
  }

  private onWorkerDeath(slot: Slot, err: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    this.log.error({ worker: slot.index, err: err.message }, "relay worker stopped; its calls lost media");
    for (const [req, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(req);
      p.reject(err);
    }
    for (const [id, h] of this.legs) {
      if (h.slot !== slot) continue;
      this.legs.delete(id);
      this.pool.free(h.port);
    }
    this.emit("error", err);
  }
}
