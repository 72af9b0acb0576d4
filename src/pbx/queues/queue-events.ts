/**
 * The queue's AMI events on the bus, named and shaped as app_queue's: QueueCallerJoin,
 * QueueCallerLeave, QueueCallerAbandon from Queue() itself; AgentCalled, AgentConnect,
 * AgentRingNoAnswer and AgentComplete from the Dial an attempt makes, matched by the caller's
 * channel (DialBegin/DialEnd carry the caller's fields and the member's as Dest…).
 */
import type { EventSink } from "../../core/event-bus.js";
import { channelFields, type ChannelFields, type ChannelView, type DestChannelFields, type PbxEvents } from "../events.js";
import type { QueueMember } from "./queue-state.js";

type DialFields = ChannelFields & DestChannelFields;

interface Attempt {
  readonly queue: string;
  readonly members: readonly QueueMember[];
  readonly joinedAt: number;
  readonly startedAt: number;
  readonly onConnect: () => void;
  connected?: { fields: DialFields; member: QueueMember; at: number; reason?: "caller" | "agent" };
}

export const QUEUE_EVENTS = ["QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentConnect", "AgentRingNoAnswer", "AgentComplete"] as const;

export class QueueEvents {
  private readonly attempts = new Map<string, Attempt>();
  /** Each waiting caller's fields as it joined, for the events after it hung up. */
  private readonly joined = new Map<string, ChannelFields>();

  constructor(
    private readonly bus: EventSink<PbxEvents>,
    private readonly viewOf: (channel: string) => ChannelView | undefined,
    private readonly now: () => number,
  ) {}

  private fields(channel: string): ChannelFields | undefined {
    const v = this.viewOf(channel);
    return v === undefined ? this.joined.get(channel) : channelFields(v);
  }

  caller(name: "QueueCallerJoin" | "QueueCallerLeave", channel: string, queue: string, position: number, count: number): void {
    const f = this.fields(channel);
    if (name === "QueueCallerJoin" && f !== undefined) this.joined.set(channel, f);
    if (name === "QueueCallerLeave") this.joined.delete(channel);
    if (f !== undefined && this.bus.wants(name)) this.bus.emit(name, { ...f, Queue: queue, Position: position, Count: count });
  }

  abandon(channel: string, queue: string, position: number, originalPosition: number, holdTime: number): void {
    if (!this.bus.wants("QueueCallerAbandon")) return;
    const f = this.fields(channel);
    if (f !== undefined) this.bus.emit("QueueCallerAbandon", { ...f, Queue: queue, Position: position, OriginalPosition: originalPosition, HoldTime: holdTime });
  }

  /**
   * An attempt of `channel`'s Queue() starts ringing `members`; `onConnect` runs when one
   * answers (the caller leaves the queue then, before AgentConnect, as in app_queue). Call the
   * result when the attempt's Dial returned.
   */
  attempt(channel: string, queue: string, members: readonly QueueMember[], joinedAt: number, onConnect: () => void): () => void {
    const a: Attempt = { queue, members, joinedAt, startedAt: this.now(), onConnect };
    this.attempts.set(channel, a);
    return () => {
      this.attempts.delete(channel);
      const c = a.connected;
      if (c === undefined || !this.bus.wants("AgentComplete")) return;
      this.bus.emit("AgentComplete", { ...c.fields, ...this.member(a, c.member), HoldTime: secs(c.at - a.joinedAt), TalkTime: secs(this.now() - c.at), Reason: c.reason ?? "caller" });
    };
  }

  private member(a: Attempt, m: QueueMember): { Queue: string; Interface: string; MemberName: string } {
    return { Queue: a.queue, Interface: m.interface, MemberName: m.membername };
  }

  private find(e: DialFields): { a: Attempt; m: QueueMember } | undefined {
    const a = this.attempts.get(e.Channel);
    const dest = e.DestChannel.toLowerCase();
    const m = a?.members.find((x) => dest.startsWith(`${x.interface.toLowerCase()}-`));
    return a === undefined || m === undefined ? undefined : { a, m };
  }

  dialBegin(e: PbxEvents["DialBegin"]): void {
    const found = this.find(e);
    if (found === undefined || !this.bus.wants("AgentCalled")) return;
    const { DialString: _d, ...fields } = e;
    this.bus.emit("AgentCalled", { ...fields, ...this.member(found.a, found.m) });
  }

  dialEnd(e: PbxEvents["DialEnd"]): void {
    const found = this.find(e);
    if (found === undefined) return;
    const { a, m } = found;
    const { DialStatus: status, Forward: _f, ...fields } = e;
    const now = this.now();
    if (status === "ANSWER") {
      a.connected = { fields, member: m, at: now };
      a.onConnect();
      if (this.bus.wants("AgentConnect")) this.bus.emit("AgentConnect", { ...fields, ...this.member(a, m), HoldTime: secs(now - a.joinedAt), RingTime: secs(now - a.startedAt) });
    } else if (status === "NOANSWER" && this.bus.wants("AgentRingNoAnswer")) {
      this.bus.emit("AgentRingNoAnswer", { ...fields, ...this.member(a, m), RingTime: secs(now - a.startedAt) });
    }
  }

  /** Who ended a connected queue call: the first HangupRequest of either side. */
  hangupRequest(channel: string): void {
    for (const [caller, a] of this.attempts) {
      const c = a.connected;
      if (c === undefined || c.reason !== undefined) continue;
      if (caller === channel) c.reason = "caller";
      else if (c.fields.DestChannel === channel) c.reason = "agent";
    }
  }
}

function secs(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}
