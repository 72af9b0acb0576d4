/**
 * The voicemail service behind VoiceMail(), VoiceMailMain(), MWI and the console: mailboxes from
 * voicemail.conf, their spools, the recording format, and a change signal (`changed`) that MWI
 * turns into NOTIFYs within the same event-loop turn as the change.
 */
import { join } from "node:path";
import { TypedEmitter } from "../../core/emitter.js";
import type { Logger } from "../../core/logger.js";
import { mailboxKey, type AsteriskConfig, type Mailbox, type VoicemailConfig, type VoicemailGeneral, type Zone } from "../../config/index.js";
import { soundFormatOf, type SoundFormat } from "../../media/index.js";
import { MailboxSpool } from "./spool.js";

export type VoicemailEvents = {
  /** A mailbox's message counts may have changed. */
  changed: [key: string];
};

export interface VoicemailOptions {
  /** voicemail.conf as loaded (or as `voicemail reload` re-read it). */
  voicemail: () => VoicemailConfig;
  asterisk: () => AsteriskConfig;
  dataDir: string;
  log: Logger;
}

export interface MailboxCounts {
  readonly new: number;
  readonly old: number;
}

export class Voicemail extends TypedEmitter<VoicemailEvents> {
  constructor(private readonly o: VoicemailOptions) {
    super();
  }

  get general(): VoicemailGeneral {
    return this.o.voicemail().general;
  }

  /** `<spool>/voicemail` */
  get root(): string {
    const spool = this.o.asterisk().spoolDir;
    return spool !== undefined ? join(spool, "voicemail") : join(this.o.dataDir, "voicemail");
  }

  /** The format new recordings are written in: the first of `format=` Switchboard can write. */
  get format(): SoundFormat {
    return this.formats()[0] ?? "wav";
  }

  /** The writable formats of `format=`, in order (wav when none). */
  formats(): SoundFormat[] {
    const out = this.general.format
      .split("|")
      .map((f) => soundFormatOf(f.trim()))
      .filter((f): f is SoundFormat => f !== undefined);
    return out.length > 0 ? out : ["wav"];
  }

  /** `box@context`, `box` (context default, or any with searchcontexts=yes). */
  find(spec: string): Mailbox | undefined {
    const at = spec.indexOf("@");
    const box = (at >= 0 ? spec.slice(0, at) : spec).trim();
    const context = at >= 0 ? spec.slice(at + 1).trim() : "";
    const boxes = this.o.voicemail().mailboxes;
    if (context.length > 0) return boxes.get(mailboxKey(box, context));
    const inDefault = boxes.get(mailboxKey(box));
    if (inDefault !== undefined || !this.general.searchcontexts) return inDefault;
    return [...boxes.values()].find((m) => m.box === box);
  }

  /** [zonemessages] */
  zones(): readonly Zone[] {
    return this.o.voicemail().zones;
  }

  all(): Mailbox[] {
    return [...this.o.voicemail().mailboxes.values()];
  }

  spool(m: Mailbox): MailboxSpool {
    const written = this.formats();
    // Reads any format Switchboard can play, the configured ones first.
    const readable = [...written, ...["wav", "ulaw", "alaw", "sln", "sln16", "g722"].filter((f) => !written.includes(f as SoundFormat))];
    return new MailboxSpool(join(this.root, m.context, m.box), readable);
  }

  counts(m: Mailbox): MailboxCounts {
    const s = this.spool(m);
    return { new: s.count("INBOX"), old: s.count("Old") };
  }

  password(m: Mailbox): string {
    return this.spool(m).changedPassword() ?? m.password;
  }

  /** Tells MWI that a mailbox changed. */
  touch(m: Mailbox): void {
    this.emit("changed", mailboxKey(m.box, m.context));
  }

  /** Removes what crashes left in every mailbox; logs what it removed. */
  repairAll(): void {
    for (const m of this.all()) {
      const n = this.spool(m).repair();
      if (n > 0) this.o.log.notice({ mailbox: `${m.box}@${m.context}` }, `Voicemail ${m.box}@${m.context}: removed ${n} incomplete message file set${n === 1 ? "" : "s"} left by an earlier stop`);
    }
  }
}
