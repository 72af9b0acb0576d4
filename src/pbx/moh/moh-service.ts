/**
 * Music on hold for the whole PBX: the classes of musiconhold.conf with their files as scanned
 * at load (and `core reload`), the music playing now (one player per media leg), and how a
 * class is chosen, in Asterisk's order of preference:
 *
 *   1. the channel's own class, CHANNEL(musicclass) (second when [general] preferchannelclass=no);
 *   2. the class asked for: MusicOnHold(class), StartMusicOnHold(class), or, for a held call,
 *      the holding phone's moh_suggest (pjsip.conf, default `default`);
 *   3. `default`.
 *
 * A class named that does not exist is a WARNING and the next in the list is tried, so the
 * music never fails for a misspelt class.
 */
import type { Logger } from "../../core/logger.js";
import type { MohClassConfig, MohConfig } from "../../config/index.js";
import type { MediaEngine } from "../../media/index.js";
import { listMohFiles, type MohFile, type Random } from "./moh-files.js";
import { MohPlayer, type MohLeg } from "./moh-player.js";

export interface MohServiceOptions {
  config: () => MohConfig;
  media: () => Pick<MediaEngine, "play" | "stopPlayback"> | undefined;
  log: Logger;
  random?: Random;
}

/** What `moh show classes` prints of a class. */
export interface MohClassRow {
  readonly cls: MohClassConfig;
  readonly files: readonly MohFile[];
  readonly inUse: number;
}

export class MohService {
  private files = new Map<string, MohFile[]>();
  private readonly players = new Map<string, { player: MohPlayer; channel: string }>();
  private warnedEmpty = new Set<string>();
  private warnedUnknown = new Set<string>();

  constructor(private readonly o: MohServiceOptions) {
    this.rescan();
  }

  /** Scans every class's directory again (start and reload); forgets the once-per-load warnings. */
  rescan(): void {
    const next = new Map<string, MohFile[]>();
    for (const cls of this.o.config().classes.values()) {
      const files = cls.generated ? [] : listMohFiles(cls.directory);
      next.set(cls.name, files);
      if (!cls.generated && files.length === 0) this.o.log.warn({}, `musiconhold.conf [${cls.name}]: no playable sound files in ${cls.directory} (wav, ulaw, alaw, sln, sln16, g722); the class plays Switchboard's generated music until there are`);
    }
    this.files = next;
    this.warnedEmpty = new Set(this.o.config().classes.keys());
    this.warnedUnknown = new Set();
  }

  classes(): MohClassRow[] {
    const use = new Map<string, number>();
    for (const { player } of this.players.values()) use.set(player.className, (use.get(player.className) ?? 0) + 1);
    return [...this.o.config().classes.values()].map((cls) => ({ cls, files: this.files.get(cls.name) ?? [], inUse: use.get(cls.name) ?? 0 }));
  }

  /**
   * The class a channel hears: its own (CHANNEL(musicclass)), the one asked for, or default,
   * in the order [general] preferchannelclass says.
   */
  choose(channelClass: string | undefined, requested: string | undefined, channel: string): MohClassConfig {
    const classes = this.o.config().classes;
    const prefer = this.o.config().general.preferchannelclass;
    const order = (prefer ? [channelClass, requested] : [requested, channelClass]).filter((c): c is string => c !== undefined && c.length > 0);
    for (const name of order) {
      const cls = classes.get(name);
      if (cls !== undefined) return cls;
      if (!this.warnedUnknown.has(name)) {
        this.warnedUnknown.add(name);
        this.o.log.warn({}, `${channel}: no music on hold class '${name}' in musiconhold.conf (classes: ${[...classes.keys()].join(", ")}); playing the next choice`);
      }
    }
    return classes.get("default") ?? [...classes.values()][0]!;
  }

  /** Starts `cls` on `leg` (replacing music already playing there); undefined when there is no media engine. */
  start(leg: MohLeg, cls: MohClassConfig): MohPlayer | undefined {
    const media = this.o.media();
    if (media === undefined) return undefined;
    this.stop(leg.media.legId);
    const player = new MohPlayer({
      media,
      log: this.o.log,
      leg,
      cls,
      files: this.files.get(cls.name) ?? [],
      noFiles: (c) => {
        if (this.warnedEmpty.has(c.name)) return;
        this.warnedEmpty.add(c.name);
        this.o.log.warn({}, `music on hold class '${c.name}': none of its files in ${c.directory} could be played; playing Switchboard's generated music`);
      },
      ...(this.o.random !== undefined ? { random: this.o.random } : {}),
    });
    const id = leg.media.legId;
    this.players.set(id, { player, channel: leg.name });
    if (this.o.log.wants("verbose", 3)) this.o.log.verbose(3, {}, `Started music on hold, class '${cls.name}', on channel '${leg.name}'`);
    void player.done.then(() => {
      if (this.players.get(id)?.player === player) this.players.delete(id);
    });
    return player;
  }

  /** Stops the music on a media leg; false when none played there. */
  stop(legId: string): boolean {
    const p = this.players.get(legId);
    if (p === undefined) return false;
    this.players.delete(legId);
    p.player.stop();
    if (this.o.log.wants("verbose", 3)) this.o.log.verbose(3, {}, `Stopped music on hold on ${p.channel}`);
    return true;
  }

  /** Stops the music on a channel by name (it entered a bridge, hung up). */
  stopChannel(name: string): boolean {
    for (const [id, p] of this.players) if (p.channel === name) return this.stop(id);
    return false;
  }

  playing(legId: string): MohPlayer | undefined {
    return this.players.get(legId)?.player;
  }

  stopAll(): void {
    for (const id of [...this.players.keys()]) this.stop(id);
  }
}
