/**
 * The system's entity id (Asterisk's EID, ARI's `asterisk_id`): the MAC address of the first
 * network interface that has one, as Asterisk picks it by default; all zeros when none has.
 */
import { networkInterfaces } from "node:os";

export function defaultEntityId(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.mac !== "00:00:00:00:00:00") return a.mac;
  }
  return "00:00:00:00:00:00";
}
