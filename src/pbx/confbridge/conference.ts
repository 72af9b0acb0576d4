/**
 * A conference as app_confbridge keeps it: its name, the bridge profile of its first
 * participant, and its participants with their user profiles. Audio is mixed in the media
 * workers (media/conference): a participant that is "active" has its leg in the conference's
 * room; a waiting one (wait_marked while no marked participant is in) is in the conference but
 * neither hears nor is heard.
 *
 *   first join ──► ConfbridgeStart ──► Join/Leave/Mute/Unmute … ──► last leave ──► ConfbridgeEnd
 *
 * Marked participants drive the others: the first one in brings the waiting participants into
 * the mix; when the last one leaves, end_marked participants are sent out (ENDMARKED) and
 * wait_marked ones wait again; end_marked_any ones leave when any marked participant does.
 */
import { randomUUID } from "node:crypto";
import type { EventSink } from "../../core/event-bus.js";
import type { ConfbridgeBridgeValues, ConfbridgeUserValues } from "../../config/index.js";
import type { ConferenceSettings } from "../../media/index.js";
import { bridgeFields, channelFields, type BridgeFields, type ChannelView, type PbxEvents } from "../events.js";

/** The media engine's conference calls. */
export interface ConferenceMedia {
  joinConference(room: string, legId: string, settings: ConferenceSettings, muted: boolean): void;
  leaveConference(legId: string): void;
  muteInConference(legId: string, muted: boolean): void;
}

/** Why a participant left: ConfBridge's `${CONFBRIDGE_RESULT}`. */
export type LeaveReason = "HANGUP" | "KICKED" | "ENDMARKED" | "DTMF" | "TIMEOUT";

export interface ParticipantInit {
  readonly name: string;
  readonly mediaLegId: string;
  view(): ChannelView;
  readonly user: ConfbridgeUserValues;
  readonly userProfile: string;
  readonly bridgeProfile: string;
  readonly menu: string;
  /** Told when the conference sends the participant out (kick, end_marked); the app then leaves. */
  readonly sendOut: (reason: LeaveReason) => void;
}

export interface Participant extends ParticipantInit {
  muted: boolean;
  /** In the conference but not in the mix (wait_marked, no marked participant yet). */
  waiting: boolean;
  readonly joinedAt: number;
}

export interface ConferenceDeps {
  readonly media: () => ConferenceMedia | undefined;
  readonly events: EventSink<PbxEvents>;
  readonly now: () => number;
  /** The conference's last participant left. */
  readonly ended: (c: Conference) => void;
}

export type JoinRefusal = "full";

/** The mixer settings a bridge profile asks for. */
export function mixerSettings(b: ConfbridgeBridgeValues): ConferenceSettings {
  const r = b.internalSampleRate;
  const fixed = r === "auto" || r === "44100" || r === "96000" || r === "192000" ? "auto" : Number(r);
  return { internalRate: fixed, intervalMs: Number(b.mixingInterval) };
}

export class Conference {
  /** BridgeUniqueid of its events, and the media room's name (a new conference of the same name gets a new one). */
  readonly id = randomUUID();
  private readonly members: Participant[] = [];
  readonly startedAt: number;
  locked = false;

  constructor(
    readonly name: string,
    readonly bridge: ConfbridgeBridgeValues,
    readonly bridgeProfile: string,
    private readonly d: ConferenceDeps,
  ) {
    this.startedAt = d.now();
  }

  get participants(): readonly Participant[] {
    return this.members;
  }

  get markedCount(): number {
    return this.members.filter((p) => p.user.marked).length;
  }

  /** Adds a participant; refused when max_members is reached (admins always get in). */
  join(init: ParticipantInit): Participant | JoinRefusal {
    const max = this.bridge.maxMembers;
    if (max > 0 && this.members.length >= max && !init.user.admin) return "full";
    const first = this.members.length === 0;
    if (first && this.d.events.wants("ConfbridgeStart")) this.d.events.emit("ConfbridgeStart", { Conference: this.name, ...this.fields(0) });
    const waiting = init.user.waitMarked && !init.user.marked && this.markedCount === 0;
    const p: Participant = { ...init, muted: init.user.startmuted, waiting, joinedAt: this.d.now() };
    this.members.push(p);
    if (!waiting) this.enterMix(p);
    if (init.user.marked && this.markedCount === 1) {
      for (const other of this.members) {
        if (other.waiting) {
          other.waiting = false;
          this.enterMix(other);
        }
      }
    }
    if (this.d.events.wants("ConfbridgeJoin")) this.d.events.emit("ConfbridgeJoin", { Conference: this.name, ...this.fields(this.members.length), ...channelFields(p.view()), Admin: yes(p.user.admin), Muted: yes(p.muted) });
    return p;
  }

  /** The participant is gone (hung up, kicked, timed out …); marked rules then apply to the others. */
  leave(p: Participant): void {
    const i = this.members.indexOf(p);
    if (i < 0) return;
    this.members.splice(i, 1);
    if (!p.waiting) this.d.media()?.leaveConference(p.mediaLegId);
    if (this.d.events.wants("ConfbridgeLeave")) this.d.events.emit("ConfbridgeLeave", { Conference: this.name, ...this.fields(this.members.length), ...channelFields(p.view()), Admin: yes(p.user.admin) });
    if (p.user.marked) {
      const lastMarked = this.markedCount === 0;
      for (const other of [...this.members]) {
        if (other.user.endMarkedAny || (lastMarked && other.user.endMarked)) other.sendOut("ENDMARKED"); else if (lastMarked && other.user.waitMarked && !other.user.marked && !other.waiting) {
          other.waiting = true;
          this.d.media()?.leaveConference(other.mediaLegId);
        }
      }
    }
    if (this.members.length === 0) {
      if (this.d.events.wants("ConfbridgeEnd")) this.d.events.emit("ConfbridgeEnd", { Conference: this.name, ...this.fields(0) });
      this.d.ended(this);
    }
  }

  /** Console or menu mute; false when no participant has that channel name. */
  setMuted(channel: string, muted: boolean): boolean {
    const p = this.find(channel);
    if (p === undefined) return false;
    if (p.muted === muted) return true;
    p.muted = muted;
    if (!p.waiting) this.d.media()?.muteInConference(p.mediaLegId, muted);
    const name = muted ? "ConfbridgeMute" : "ConfbridgeUnmute";
    if (this.d.events.wants(name)) this.d.events.emit(name, { Conference: this.name, ...this.fields(this.members.length), ...channelFields(p.view()), Admin: yes(p.user.admin) });
    return true;
  }

  /** Sends out one participant by channel name, or every one for `all`; returns how many. */
  kick(channel: string): number {
    const out = channel === "all" ? [...this.members] : this.members.filter((p) => p.name === channel);
    for (const p of out) p.sendOut("KICKED");
    return out.length;
  }

  find(channel: string): Participant | undefined {
    return this.members.find((p) => p.name === channel);
  }

  private enterMix(p: Participant): void {
    this.d.media()?.joinConference(this.id, p.mediaLegId, mixerSettings(this.bridge), p.muted);
  }

  private fields(numChannels: number): BridgeFields {
    return bridgeFields({ id: this.id, numChannels, type: "base", technology: "softmix", creator: "ConfBridge", name: this.name });
  }
}

function yes(b: boolean): "Yes" | "No" {
  return b ? "Yes" : "No";
}

/** The running conferences by name. */
export class Conferences {
  private readonly byName = new Map<string, Conference>();

  constructor(private readonly d: Omit<ConferenceDeps, "ended">) {}

  get(name: string): Conference | undefined {
    return this.byName.get(name);
  }

  /** The conference of that name, made with `bridge` when none runs. */
  open(name: string, bridge: ConfbridgeBridgeValues, bridgeProfile: string): Conference {
    const running = this.byName.get(name);
    if (running !== undefined) return running;
    const c = new Conference(name, bridge, bridgeProfile, { ...this.d, ended: (x) => this.closed(x) });
    this.byName.set(name, c);
    return c;
  }

  list(): Conference[] {
    return [...this.byName.values()];
  }

  private closed(c: Conference): void {
    if (this.byName.get(c.name) === c) this.byName.delete(c.name);
  }
}
