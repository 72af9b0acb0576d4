/**
 * The conferences of one relay worker, driven by the `conf…` commands of protocol.ts: a leg that
 * joins stops relaying to a partner and feeds its room instead (RelayLeg.conference), and hears
 * the room's mix-minus. A room ends with its last member.
 */
import type { ConferenceLeg, ConferenceSettings } from "./conference-room.js";
import { ConferenceRoom } from "./conference-room.js";

/** What a relay leg carries while it is in a conference: where its phone's packets go. */
export interface ConferenceTap {
  readonly roomId: string;
  push(legId: string, msg: Buffer): void;
  formatChanged(legId: string): void;
  leave(legId: string): void;
}

export type ConferenceCommand =
  | { t: "confJoin"; conf: string; id: string; settings: ConferenceSettings; muted: boolean }
  | { t: "confLeave"; id: string }
  | { t: "confMute"; id: string; muted: boolean };

/** A leg as the rooms need it: the room's view plus the tap it carries. */
export interface ConferenceCapableLeg extends ConferenceLeg {
  conference: ConferenceTap | undefined;
  /** Drops a two-party bridge the leg was in (its partner stops hearing it). */
  unbridge(): void;
  readonly peer: unknown;
}

export class ConferenceRooms {
  private readonly rooms = new Map<string, ConferenceRoom>();

  constructor(private readonly legs: ReadonlyMap<string, ConferenceCapableLeg>) {}

  handle(m: ConferenceCommand): void {
    const leg = this.legs.get(m.id);
    switch (m.t) {
      case "confJoin": {
        if (leg === undefined || leg.closed) return;
        if (leg.conference !== undefined && leg.conference.roomId !== m.conf) leg.conference.leave(leg.id);
        if (leg.peer !== undefined) leg.unbridge();
        let room = this.rooms.get(m.conf);
        if (room === undefined || room.closed) {
          room = new ConferenceRoom(m.conf, m.settings);
          this.rooms.set(m.conf, room);
        }
        room.join(leg, m.muted);
        leg.conference = this.tap(room);
        return;
      }
      case "confLeave":
        leg?.conference?.leave(m.id);
        return;
      case "confMute":
        if (leg?.conference !== undefined) this.rooms.get(leg.conference.roomId)?.setMuted(m.id, m.muted);
        return;
    }
  }

  /** Rooms and their member counts, for tests and stats. */
  dump(): Array<{ id: string; members: number; rate: number }> {
    return [...this.rooms.values()].map((r) => ({ id: r.id, members: r.size, rate: r.internalRate }));
  }

  private tap(room: ConferenceRoom): ConferenceTap {
    const rooms = this.rooms;
    const legs = this.legs;
    return {
      roomId: room.id,
      push: (legId, msg) => room.push(legId, msg),
      formatChanged: (legId) => room.formatChanged(legId),
      leave: (legId) => {
        room.leave(legId);
        const leg = legs.get(legId);
        if (leg !== undefined && leg.conference?.roomId === room.id) leg.conference = undefined;
        if (room.size === 0) {
          room.stop();
          if (rooms.get(room.id) === room) rooms.delete(room.id);
        }
      },
    };
  }
}
