/**
 * Which members one attempt of a queue rings, by the queue's strategy. Pure: the caller gives
 * the members free to ring (in the queue's order: static members as listed, then dynamic ones as
 * added), the strategy's memory, and a random source.
 *
 * Lower penalties go first: only the members with the lowest penalty among the free ones are
 * considered (wrandom instead weighs the penalty into its draw, as Asterisk does).
 */
import type { QueueStrategy } from "../../config/queues/queues-schema.js";

export interface StrategyMember {
  readonly interface: string;
  readonly penalty: number;
  /** Completed calls (fewestcalls). */
  readonly calls: number;
  /** Epoch ms when the member's last call ended, 0 for never (leastrecent). */
  readonly lastCall: number;
}

export interface StrategyMemory {
  /** rrmemory/rrordered: the queue's position, the index in `all` after the member rung last. */
  rrpos: number;
  /** linear: this caller's position. */
  linpos: number;
}

export interface StrategyChoice<M> {
  readonly ring: M[];
  /** The memory after this attempt (rrpos for the queue, linpos for the caller). */
  readonly memory: StrategyMemory;
}

/**
 * The members to ring now. `all` is every member of the queue in order (positions for rrmemory
 * and linear are indexes into it); `free` the ones that may ring now.
 */
export function chooseMembers<M extends StrategyMember>(strategy: QueueStrategy, all: readonly M[], free: readonly M[], memory: StrategyMemory, random: () => number = Math.random): StrategyChoice<M> {
  if (free.length === 0) return { ring: [], memory };
  if (strategy === "wrandom") {
    let best: M | undefined;
    let bestMetric = Infinity;
    for (const m of free) {
      const metric = random() * (m.penalty + 1) * 1000;
      if (metric < bestMetric) {
        bestMetric = metric;
        best = m;
      }
    }
    return { ring: best === undefined ? [] : [best], memory };
  }
  const low = Math.min(...free.map((m) => m.penalty));
  const group = free.filter((m) => m.penalty === low);
  switch (strategy) {
    case "ringall":
      return { ring: group, memory };
    case "random":
      return { ring: [group[Math.min(group.length - 1, Math.floor(random() * group.length))] as M], memory };
    case "leastrecent":
      return { ring: [pickMin(group, (m) => m.lastCall)], memory };
    case "fewestcalls":
      return { ring: [pickMin(group, (m) => m.calls)], memory };
    case "rrmemory":
    case "rrordered": {
      const [m, next] = nextFrom(all, group, memory.rrpos);
      return { ring: [m], memory: { ...memory, rrpos: next } };
    }
    case "linear": {
      const [m, next] = nextFrom(all, group, memory.linpos);
      return { ring: [m], memory: { ...memory, linpos: next } };
    }
  }
}

/** The first of `group` (by its order) with the smallest key. */
function pickMin<M>(group: readonly M[], key: (m: M) => number): M {
  let best = group[0] as M;
  for (const m of group) if (key(m) < key(best)) best = m;
  return best;
}

/** The first member of `group` at or after index `pos` of `all` (wrapping round), and the index after it. */
function nextFrom<M>(all: readonly M[], group: readonly M[], pos: number): [M, number] {
  const n = all.length;
  for (let i = 0; i < n; i++) {
    const idx = (((pos + i) % n) + n) % n;
    const m = all[idx] as M;
    if (group.includes(m)) return [m, (idx + 1) % n];
  }
  return [group[0] as M, pos];
}
