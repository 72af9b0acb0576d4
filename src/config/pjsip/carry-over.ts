/**
 * On reload, a section that now has errors is not created; like Asterisk, keep its previous,
 * working version instead of dropping it (a typo must not unregister a phone or break a trunk).
 */
import type { PjsipConfigResult } from "./pjsip-config.js";

/** Copies the previous version of each rejected object into `next`; returns `type id` of each kept one. */
export function carryOverRejected(prev: PjsipConfigResult, next: PjsipConfigResult): string[] {
  const kept: string[] = [];
  for (const { type, id } of next.rejected) {
    switch (type) {
      case "endpoint": {
        const old = prev.endpoints.get(id);
        if (old && !next.endpoints.has(id)) {
          next.endpoints.set(id, old);
          kept.push(`endpoint ${id}`);
        }
        break;
      }
      case "aor": {
        const old = prev.aors.get(id);
        if (old && !next.aors.has(id)) {
          next.aors.set(id, old);
          kept.push(`aor ${id}`);
        }
        break;
      }
      case "auth": {
        const old = prev.auths.get(id);
        if (old && !next.auths.has(id)) {
          next.auths.set(id, old);
          kept.push(`auth ${id}`);
        }
        break;
      }
      case "identify": {
        const old = prev.identifies.find((i) => i.id === id);
        if (old && !next.identifies.some((i) => i.id === id)) {
          next.identifies.push(old);
          kept.push(`identify ${id}`);
        }
        break;
      }
      case "transport": {
        const old = prev.transports.find((t) => t.id === id);
        if (old && !next.transports.some((t) => t.id === id)) {
          next.transports.push(old);
          kept.push(`transport ${id}`);
        }
        break;
      }
      default:
        break;
    }
  }
  return kept;
}
