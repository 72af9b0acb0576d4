/**
 * On reload, a section that now has errors is not created; like Asterisk, keep its previous,
 * working version instead of dropping it (a typo must not unregister a phone or break a trunk).
 * This holds for every object type, `[global]` and `[system]` included: a broken `[system]`
 * keeps the running timers rather than falling back to the defaults.
 */
import type { PjsipConfigResult } from "./pjsip-config.js";

/** Copies the previous version of each rejected object into `next`; returns `type id` of each kept one. */
export function carryOverRejected(prev: PjsipConfigResult, next: PjsipConfigResult): string[] {
  const kept: string[] = [];
  for (const { type, id } of next.rejected) {
    const old = prev.byType.get(type)?.get(id);
    if (old !== undefined && next.byType.get(type)?.keep(old) === true) kept.push(`${type} ${id}`);
  }
  return kept;
}
