/**
 * The queues at run time: each queue's members (static from queues.conf, dynamic from
 * AddQueueMember) with their statistics, the callers waiting in order, and the round-robin
 * position. A reload replaces the static members and keeps the statistics of the interfaces
 * that stay, and every dynamic member.
 */
import type { DeviceState } from "../events.js";
import type { EmptyCondition, QueueDefinition } from "../../config/queues/load-queues.js";
import type { StrategyMember } from "./queue-strategy.js";

export interface QueueMember extends StrategyMember {
  readonly interface: string;
  penalty: number;
  membername: string;
  stateInterface: string;
  readonly dynamic: boolean;
  paused: boolean;
  calls: number;
  lastCall: number;
  /** Being rung by this queue for a caller (not offered to another meanwhile). */
  ringing: boolean;
  /** Talking to a caller of this queue. */
  inCall: boolean;
  /** Epoch ms when it was added. */
  readonly since: number;
}

export interface QueueCaller {
  readonly channel: string;
  readonly joinedAt: number;
}

export class QueueRuntime {
  members: QueueMember[] = [];
  readonly callers: QueueCaller[] = [];
  rrpos = 0;
  completed = 0;
  abandoned = 0;
  /** Total seconds completed callers waited, and talked (for the averages). */
  holdSeconds = 0;
  talkSeconds = 0;

  constructor(public def: QueueDefinition) {}

  get name(): string {
    return this.def.name;
  }

  member(iface: string): QueueMember | undefined {
    const want = iface.toLowerCase();
    return this.members.find((m) => m.interface.toLowerCase() === want);
  }

  /** Takes a new definition: static members as listed (keeping known ones' stats), then the dynamic ones. */
  apply(def: QueueDefinition, now: number): void {
    this.def = def;
    const old = this.members;
    const statics: QueueMember[] = def.members.map((s) => {
      const known = old.find((m) => !m.dynamic && m.interface.toLowerCase() === s.interface.toLowerCase());
      if (known !== undefined) {
        known.penalty = s.penalty;
        known.membername = s.membername;
        known.stateInterface = s.stateInterface;
        return known;
      }
      return { interface: s.interface, penalty: s.penalty, membername: s.membername, stateInterface: s.stateInterface, dynamic: false, paused: false, calls: 0, lastCall: 0, ringing: false, inCall: false, since: now };
    });
    const dynamics = old.filter((m) => m.dynamic && !statics.some((s) => s.interface.toLowerCase() === m.interface.toLowerCase()));
    this.members = [...statics, ...dynamics];
  }

  /** Adds a dynamic member; false when the interface is a member already. */
  add(m: { interface: string; penalty: number; membername: string; stateInterface: string; paused: boolean }, now: number): boolean {
    if (this.member(m.interface) !== undefined) return false;
    this.members.push({ ...m, dynamic: true, calls: 0, lastCall: 0, ringing: false, inCall: false, since: now });
    return true;
  }

  /** Removes a dynamic member: "removed", "static" (queues.conf's cannot be removed), or "missing". */
  remove(iface: string): "removed" | "static" | "missing" {
    const m = this.member(iface);
    if (m === undefined) return "missing";
    if (!m.dynamic) return "static";
    this.members = this.members.filter((x) => x !== m);
    return "removed";
  }

  /** Average hold time of completed calls, in seconds. */
  holdtime(): number {
    return this.completed === 0 ? 0 : Math.round(this.holdSeconds / this.completed);
  }

  talktime(): number {
    return this.completed === 0 ? 0 : Math.round(this.talkSeconds / this.completed);
  }
}

/** Devices a member does not ring in with ringinuse=no. */
const IN_USE: ReadonlySet<DeviceState> = new Set(["INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD"]);

/** Whether `m` may be rung now: not paused, not already rung or talking for this queue, past its wrap-up, its device usable. */
export function memberFree(q: QueueRuntime, m: QueueMember, state: DeviceState, now: number): boolean {
  if (m.paused || m.ringing) return false;
  if (state === "UNAVAILABLE" || state === "INVALID") return false;
  if (!q.def.ringinuse && (m.inCall || IN_USE.has(state))) return false;
  if (q.def.wrapuptime > 0 && m.lastCall > 0 && now - m.lastCall < q.def.wrapuptime * 1000) return false;
  return true;
}

/**
 * joinempty/leavewhenempty: "empty" when no member is left once those matching a condition are
 * set aside. Returns undefined (someone can take the call), "empty" (no members at all), or
 * "unavail" (members, but none usable).
 */
export function emptiness(q: QueueRuntime, conditions: ReadonlySet<EmptyCondition>, stateOf: (m: QueueMember) => DeviceState, now: number): "empty" | "unavail" | undefined {
  if (q.members.length === 0) return "empty";
  for (const m of q.members) {
    const s = stateOf(m);
    if (s === "INVALID" && conditions.has("invalid")) continue;
    if (s === "UNAVAILABLE" && conditions.has("unavailable")) continue;
    if ((s === "INUSE" || s === "BUSY" || s === "RINGINUSE" || s === "ONHOLD") && conditions.has("inuse")) continue;
    if (s === "RINGING" && conditions.has("ringing")) continue;
    if (s === "UNKNOWN" && conditions.has("unknown")) continue;
    if (m.paused && conditions.has("paused")) continue;
    if (conditions.has("wrapup") && q.def.wrapuptime > 0 && m.lastCall > 0 && now - m.lastCall < q.def.wrapuptime * 1000) continue;
    return undefined;
  }
  return "unavail";
}
