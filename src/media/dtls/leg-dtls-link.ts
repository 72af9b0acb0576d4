/**
 * The DTLS side of one relay leg: which association runs on its RTP port, the records that came
 * before the SDP said who we are (a phone may send its ClientHello before our worker has read its
 * answer), where records go (back to the address the peer's records come from, RFC 5764 §4.1:
 * DTLS runs over the same 5-tuple as the media), and what survives a move to another worker.
 */
import type { RemoteInfo } from "node:dgram";
import { DtlsAssociation } from "./dtls-association.js";
import type { DtlsLegState, DtlsSrtpKeys, LegDtls } from "./types.js";

/** Records kept while no association exists yet, and for how long. */
const MAX_EARLY = 4;
const EARLY_MS = 3000;

export interface LegDtlsIo {
  /** Sends a record: to `to` when given (where the peer's records come from), else to the leg's media target. */
  send(record: Buffer, to: { address: string; port: number } | undefined): void;
  keys(keys: DtlsSrtpKeys): void;
  changed(state: DtlsLegState): void;
}

/** What a leg carries to another worker: the parameters, and the state reached. */
export interface LegDtlsSnapshot {
  params: LegDtls;
  state: DtlsLegState;
}

export class LegDtlsLink {
  private association: DtlsAssociation | undefined;
  private params: LegDtls | undefined;
  /** The state of an association that finished in another worker (its keys came along). */
  private carried: DtlsLegState | undefined;
  private source: { address: string; port: number } | undefined;
  private early: Array<{ record: Buffer; at: number }> = [];

  constructor(private readonly io: LegDtlsIo) {}

  /** True while the SDP asks for DTLS here (an association runs, or ran). */
  get active(): boolean {
    return this.params !== undefined;
  }

  get state(): DtlsLegState | undefined {
    const s = this.association?.state ?? this.carried;
    return s === undefined ? undefined : { ...s };
  }

  /** New parameters from the SDP; the same association number keeps the running handshake. */
  set(params: LegDtls | undefined): void {
    if (params === undefined) {
      this.close();
      this.params = undefined;
      return;
    }
    if (this.params !== undefined && this.params.association === params.association && this.params.role === params.role) {
      this.params = params;
      return;
    }
    this.association?.close();
    this.carried = undefined;
    this.params = params;
    this.start(params);
    const now = performance.now();
    for (const e of this.early.splice(0)) if (now - e.at < EARLY_MS) this.association?.receive(e.record);
  }

  /** A DTLS datagram from the peer; false when the leg has no DTLS and it is not kept either. */
  receive(record: Buffer, rinfo: RemoteInfo): boolean {
    this.source = { address: rinfo.address, port: rinfo.port };
    if (this.association === undefined && this.params !== undefined && this.carried !== undefined && this.params.role === "server") {
      // A handshake from the peer after a move (a re-key, or a retransmitted flight): answer it.
      this.start(this.params);
    }
    const a = this.association;
    if (a !== undefined) {
      a.receive(record);
      return true;
    }
    if (this.params !== undefined) return true;
    if (this.early.length >= MAX_EARLY) return false;
    this.early.push({ record: Buffer.from(record), at: performance.now() });
    return true;
  }

  snapshot(): LegDtlsSnapshot | undefined {
    const state = this.state;
    return this.params === undefined || state === undefined ? undefined : { params: this.params, state };
  }

  /**
   * In the new worker: a completed association's keys came with the SRTP snapshot, so nothing is
   * redone; an unfinished one starts again (a client sends a new ClientHello).
   */
  restore(s: LegDtlsSnapshot): void {
    this.params = s.params;
    if (s.state.state === "connected" || s.state.state === "failed") {
      this.carried = { ...s.state };
      return;
    }
    this.start(s.params);
  }

  close(): void {
    this.association?.close();
    this.association = undefined;
    this.early = [];
  }

  private start(params: LegDtls): void {
    const a = new DtlsAssociation(params, {
      send: (record) => {
        if (this.association === a) this.io.send(record, this.source);
      },
      keys: (keys) => {
        if (this.association === a) this.io.keys(keys);
      },
      changed: (state) => {
        if (this.association === a) this.io.changed(state);
      },
    });
    this.association = a;
    a.start();
  }
}
