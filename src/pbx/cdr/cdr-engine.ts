/**
 * Builds call detail records from the call layer's events, as Asterisk 12 and later do from
 * theirs: a record per pair of parties. A channel nobody dialled is party A of its own records;
 * a channel Dial called is party B of its caller's record and gets none of its own.
 *
 *   Newchannel ─► record (start) ─► DialBegin: party B ─► Newstate Up: answer
 *      ─► DialEnd: disposition ─► Hangup of B: bridge over ─► Hangup of A (+ h extension)
 *      ─► ChannelReleased ─► finished: written to every backend
 *
 * A second Dial after a finished one starts a new record (Asterisk's fork); the targets of a
 * parallel Dial each get a record of one group, of which only the answered one is kept unless
 * unanswered=yes. A record with only party A that was never answered is kept only with
 * unanswered=yes. A channel that never ran the dialplan is finished at its Hangup.
 */
import type { CdrConfig } from "../../config/index.js";
import type { Logger } from "../../core/logger.js";
import type { PbxEvents } from "../events.js";
import { CdrRecord, dispositionOfDial, dispositionOfEnd, type Disposition } from "./cdr-record.js";

/** A finished record with what backends need to write it. */
export interface FinishedCdr {
  readonly record: CdrRecord;
  readonly disposition: Disposition;
}

/** What the engine knows of one channel. */
interface ChannelTrack {
  readonly uniqueid: string;
  readonly name: string;
  readonly linkedid: string;
  accountCode: string;
  /** Ran at least one dialplan priority: finished at ChannelReleased, not at Hangup. */
  inDialplan: boolean;
  hungUp: boolean;
  cause: number | undefined;
  answered: boolean;
  /** Set when Dial called this channel: the caller's Uniqueid. */
  dialledBy: string | undefined;
  /** CDR_PROP(disable) for records this channel starts later. */
  disabled: boolean;
  /** Where the dialplan last was, for a record started later (a second Dial). */
  where: { context: string; exten: string; app: string; data: string; cidNum: string; cidName: string };
  readonly records: CdrRecord[];
}

export interface CdrEngineOptions {
  readonly config: () => CdrConfig;
  readonly now: () => number;
  readonly log: Logger;
  /** Told of each finished record that is kept. */
  readonly write: (cdr: FinishedCdr) => void;
}

/** The events the engine listens to. */
export const CDR_INPUT_EVENTS = ["Newchannel", "Newstate", "Newexten", "NewCallerid", "DialBegin", "DialEnd", "Hangup", "ChannelReleased"] as const;
export type CdrInputEvent = (typeof CDR_INPUT_EVENTS)[number];

export class CdrEngine {
  private readonly tracks = new Map<string, ChannelTrack>();
  private sequence = 0;
  private group = 0;
  /** Records kept and written since start. */
  written = 0;

  constructor(private readonly o: CdrEngineOptions) {}

  /** Channels with a record still open (for `cdr show status` and tests). */
  get active(): number {
    return this.tracks.size;
  }

  /** The record CDR() reads and writes for a channel: its latest, or its caller's when it was dialled. */
  recordOf(uniqueid: string): CdrRecord | undefined {
    const t = this.tracks.get(uniqueid);
    if (t === undefined) return undefined;
    if (t.dialledBy !== undefined) return this.tracks.get(t.dialledBy)?.records.find((r) => r.b?.uniqueid === uniqueid);
    return t.records[t.records.length - 1];
  }

  /** Every record of a channel (CDR_PROP(disable), NoCDR, ResetCDR). */
  recordsOf(uniqueid: string): CdrRecord[] {
    const t = this.tracks.get(uniqueid);
    if (t === undefined) return [];
    if (t.dialledBy !== undefined) {
      const r = this.recordOf(uniqueid);
      return r === undefined ? [] : [r];
    }
    return t.records;
  }

  /** CDR_PROP(disable)=1|0: this channel's records, now and later. */
  setDisabled(uniqueid: string, disabled: boolean): void {
    const t = this.tracks.get(uniqueid);
    if (t !== undefined && t.dialledBy === undefined) t.disabled = disabled;
    for (const r of this.recordsOf(uniqueid)) r.disabled = disabled;
  }

  handle<K extends CdrInputEvent>(name: K, payload: PbxEvents[K]): void {
    switch (name) {
      case "Newchannel":
        return this.onNewchannel(payload as PbxEvents["Newchannel"]);
      case "Newstate":
        return this.onNewstate(payload as PbxEvents["Newstate"]);
      case "Newexten":
        return this.onNewexten(payload as PbxEvents["Newexten"]);
      case "NewCallerid":
        return this.onCallerId(payload as PbxEvents["NewCallerid"]);
      case "DialBegin":
        return this.onDialBegin(payload as PbxEvents["DialBegin"]);
      case "DialEnd":
        return this.onDialEnd(payload as PbxEvents["DialEnd"]);
      case "Hangup":
        return this.onHangup(payload as PbxEvents["Hangup"]);
      case "ChannelReleased":
        return this.onReleased(payload);
    }
  }

  private onNewchannel(e: PbxEvents["Newchannel"]): void {
    const disabled = !this.o.config().general.channeldefaultenabled;
    const t: ChannelTrack = { uniqueid: e.Uniqueid, name: e.Channel, linkedid: e.Linkedid, accountCode: e.AccountCode, inDialplan: false, hungUp: false, cause: undefined, answered: false, dialledBy: undefined, disabled, records: [], where: { context: e.Context, exten: e.Exten, app: "", data: "", cidNum: e.CallerIDNum, cidName: e.CallerIDName } };
    const r = new CdrRecord({ channel: e.Channel, uniqueid: e.Uniqueid, linkedid: e.Linkedid, callerIdNum: e.CallerIDNum, callerIdName: e.CallerIDName, accountCode: e.AccountCode, context: e.Context, exten: e.Exten }, this.o.now(), ++this.sequence);
    r.disabled = disabled;
    t.records.push(r);
    this.tracks.set(e.Uniqueid, t);
  }

  private openRecords(t: ChannelTrack): CdrRecord[] {
    return t.records.filter((r) => !r.closed);
  }

  private onNewexten(e: PbxEvents["Newexten"]): void {
    const t = this.tracks.get(e.Uniqueid);
    if (t === undefined) return;
    if (t.dialledBy !== undefined) {
      if (t.hungUp) return;
      this.becomePartyA(t, e);
    }
    t.inDialplan = true;
    // What the h extension runs after the hangup is not the call's destination.
    if (t.hungUp) return;
    t.where = { ...t.where, context: e.Context, exten: e.Extension, app: e.Application, data: e.AppData };
    for (const r of this.openRecords(t)) {
      r.dst = e.Extension;
      r.dcontext = e.Context;
      r.lastapp = e.Application;
      r.lastdata = e.AppData;
    }
  }

  private onCallerId(e: PbxEvents["NewCallerid"]): void {
    const t = this.tracks.get(e.Uniqueid);
    if (t === undefined || t.dialledBy !== undefined || t.hungUp) return;
    t.where = { ...t.where, cidNum: e.CallerIDNum, cidName: e.CallerIDName };
    for (const r of this.openRecords(t)) {
      r.callerIdNum = e.CallerIDNum;
      r.callerIdName = e.CallerIDName;
    }
  }

  private onNewstate(e: PbxEvents["Newstate"]): void {
    if (e.ChannelStateDesc !== "Up") return;
    const t = this.tracks.get(e.Uniqueid);
    if (t === undefined || t.answered) return;
    t.answered = true;
    const now = this.o.now();
    if (t.dialledBy !== undefined) {
      const r = this.recordOf(t.uniqueid);
      if (r !== undefined) r.answer ??= now;
      return;
    }
    for (const r of this.openRecords(t)) r.answer ??= now;
  }

  private onDialBegin(e: PbxEvents["DialBegin"]): void {
    const a = this.tracks.get(e.Uniqueid);
    const b = this.tracks.get(e.DestUniqueid);
    if (a === undefined) return;
    const now = this.o.now();
    const party = { channel: e.DestChannel, uniqueid: e.DestUniqueid, accountCode: e.DestAccountCode };
    if (b !== undefined) {
      b.dialledBy = a.uniqueid;
      b.records.length = 0;
    }
    const last = a.records[a.records.length - 1];
    if (last !== undefined && !last.closed && last.b === undefined) {
      last.b = party;
      last.group = ++this.group;
      return;
    }
    const ringing = last !== undefined && last.b !== undefined && a.records.some((r) => r.group === last.group && !r.dialDone);
    let next: CdrRecord;
    if (last !== undefined && ringing) {
      // One more target of the same parallel Dial: same start, its own party B.
      next = last.fork(last.start, false, ++this.sequence);
      next.answer = last.answer;
      next.group = last.group;
    } else {
      if (last !== undefined && !last.closed) {
        last.end ??= now;
        last.closed = true;
      }
      next = (last ?? new CdrRecord({ channel: e.Channel, uniqueid: e.Uniqueid, linkedid: e.Linkedid, callerIdNum: e.CallerIDNum, callerIdName: e.CallerIDName, accountCode: e.AccountCode, context: e.Context, exten: e.Exten }, now, 0)).fork(now, a.answered, ++this.sequence);
      next.group = ++this.group;
      next.disabled = a.disabled;
      next.dst = a.where.exten;
      next.dcontext = a.where.context;
      next.lastapp = a.where.app;
      next.lastdata = a.where.data;
      next.callerIdNum = a.where.cidNum;
      next.callerIdName = a.where.cidName;
    }
    next.b = party;
    a.records.push(next);
  }

  private onDialEnd(e: PbxEvents["DialEnd"]): void {
    const a = this.tracks.get(e.Uniqueid);
    const r = a?.records.find((x) => x.b?.uniqueid === e.DestUniqueid && !x.dialDone);
    if (r === undefined) return;
    r.dialDone = true;
    const d = dispositionOfDial(e.DialStatus, this.o.config().general.congestion);
    if (d !== undefined) r.disposition = d;
    if (d === "ANSWERED") r.answer ??= this.o.now();
  }

  private onHangup(e: PbxEvents["Hangup"]): void {
    const t = this.tracks.get(e.Uniqueid);
    if (t === undefined) return;
    t.hungUp = true;
    t.cause = e.Cause;
    const now = this.o.now();
    if (t.dialledBy !== undefined) {
      // Party B went away: its record's bridge (or ringing) is over.
      const r = this.recordOf(t.uniqueid);
      if (r !== undefined && !r.closed) {
        r.end ??= now;
        r.closed = true;
      }
      this.tracks.delete(t.uniqueid);
      return;
    }
    const endNow = this.o.config().general.endbeforehexten;
    for (const r of this.openRecords(t)) {
      // A bridge ends with the hangup; the rest end after the h extension unless endbeforehexten.
      if (r.b !== undefined || endNow) r.end ??= now;
      if (r.b !== undefined) r.closed = true;
    }
    if (!t.inDialplan) this.finish(t);
  }

  private onReleased(e: PbxEvents["ChannelReleased"]): void {
    const t = this.tracks.get(e.Uniqueid);
    if (t !== undefined && t.dialledBy === undefined) this.finish(t);
  }

  /**
   * A dialled channel runs the dialplan itself (it was redirected out of its bridge): its part
   * of its caller's record ends, and it is party A of a record of its own from now on.
   */
  private becomePartyA(t: ChannelTrack, e: PbxEvents["Newexten"]): void {
    const now = this.o.now();
    const owner = this.recordOf(t.uniqueid);
    if (owner !== undefined && !owner.closed) {
      owner.end ??= now;
      owner.closed = true;
    }
    t.dialledBy = undefined;
    const r = new CdrRecord({ channel: e.Channel, uniqueid: e.Uniqueid, linkedid: e.Linkedid, callerIdNum: e.CallerIDNum, callerIdName: e.CallerIDName, accountCode: e.AccountCode, context: e.Context, exten: e.Extension }, now, ++this.sequence);
    if (t.answered) r.answer = now;
    r.disabled = t.disabled;
    t.records.push(r);
  }

  /** Forgets every channel followed (records are no longer kept); open records are dropped. */
  clear(): void {
    this.tracks.clear();
  }

  /** The channel is done: end its records and hand the kept ones to the backends. */
  private finish(t: ChannelTrack): void {
    this.tracks.delete(t.uniqueid);
    const g = this.o.config().general;
    const now = this.o.now();
    const answeredGroups = new Set<number>();
    const finished: FinishedCdr[] = [];
    for (const r of t.records) {
      r.end ??= now;
      r.closed = true;
      const disposition = r.disposition ?? dispositionOfEnd(r, t.cause, g.congestion);
      if (disposition === "ANSWERED" && r.group !== 0) answeredGroups.add(r.group);
      finished.push({ record: r, disposition });
    }
    const firstOfGroup = new Set<number>();
    for (const f of finished) {
      const r = f.record;
      if (r.disabled || !g.enable) continue;
      if (!g.unanswered) {
        // Only party A and never answered: not a call worth a line (unanswered=no).
        if (r.b === undefined && r.answer === undefined) continue;
        // The other rings of a parallel Dial: one line for the group.
        if (r.group !== 0 && f.disposition !== "ANSWERED") {
          if (answeredGroups.has(r.group) || firstOfGroup.has(r.group)) continue;
          firstOfGroup.add(r.group);
        }
      }
      this.written++;
      try {
        this.o.write(f);
      } catch (err) {
        this.o.log.error({ err: err instanceof Error ? err.message : String(err) }, `CDR of ${r.channel} could not be written`);
      }
    }
  }
}
