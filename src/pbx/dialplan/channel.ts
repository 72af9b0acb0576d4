/**
 * What the dialplan needs from a call: the B2BUA's inbound leg implements this. The dialplan
 * knows nothing of SIP; it only asks the channel to answer, play, dial and hang up.
 */

import type { MixMonitorResult, MixMonitorSpec } from "../../media/index.js";

/** Dial outcomes, as Asterisk's `${DIALSTATUS}`. */
export type DialStatus = "ANSWER" | "BUSY" | "NOANSWER" | "CANCEL" | "CONGESTION" | "CHANUNAVAIL" | "DONTCALL" | "TORTURE" | "INVALIDARGS";

export interface DialResult {
  status: DialStatus;
  /** The channel that answered, e.g. `PJSIP/1002-00000002`. */
  answeredBy?: string;
}

/** How a prompt ended: played out, could not be played, or cut short by a key (which is given). */
export type PlayOutcome = { status: "ok" | "failed" } | { status: "interrupted"; digit: string };

/** Why a recording ended, and what it holds (8 kHz mono samples). */
export interface RecordOutcome {
  reason: "dtmf" | "silence" | "maxduration" | "hangup" | "stopped";
  /** The key that ended it (reason dtmf). */
  digit?: string;
  samples: Int16Array;
  /** Silence at the end of `samples`, in ms. */
  trailingSilenceMs: number;
}

export interface RecordRequest {
  /** 0: no limit. */
  maxMs: number;
  /** 0: silence does not end it. */
  silenceMs: number;
  silenceThreshold: number;
  /** Keys that end the recording (`#`, `*#` …); empty: none. */
  stopKeys: string;
}

/** A place in the dialplan a redirect sends a channel to. */
export interface DialplanTarget {
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
}

/**
 * Where a transfer sends a channel instead of a dialplan place: `run` holds it (in a bridge with
 * another party, or until the transfer's last NOTIFY) and resolves when that is over or the
 * channel is redirected again; the channel then ends as at the end of its dialplan.
 */
export interface DialplanDetour {
  /** For log lines: `bridged with PJSIP/2003-00000004`. */
  readonly label: string;
  run(): Promise<void>;
}

/** What a redirect names: a dialplan place or a detour. */
export type RedirectTarget = DialplanTarget | DialplanDetour;

export function isDetour(t: RedirectTarget): t is DialplanDetour {
  return "run" in t;
}

export interface DialplanChannel {
  /** `PJSIP/1001-00000001` */
  readonly name: string;
  /** The call id its log lines carry (`C-0000000a`). */
  readonly callid?: string;
  /** Channel variables (`DIALSTATUS`, values from `Set()` …). */
  readonly vars: Map<string, string>;
  callerId: { num: string; name: string; restricted?: boolean };
  readonly answered: boolean;
  /** True once the caller went away (or the call was ended). */
  hungUp(): boolean;
  answer(): Promise<void>;
  /** 183 Session Progress with early media. */
  progress(): Promise<void>;
  /** 180 Ringing. */
  ringing(): Promise<void>;
  /** Ends the call with a Q.850 cause (16 normal, 17 busy, 34 congestion …). Safe to call twice. */
  hangup(cause?: number): Promise<void>;
  /** A WAV path relative to the sounds directory, or a built-in tone such as `tone:ring`. */
  playback(what: string): Promise<"ok" | "failed">;
  /**
   * Plays a prompt found by sound name in the channel's language; a key in `interruptKeys`
   * stops it (Background, Read, menus).
   */
  play?(what: string, interruptKeys: string): Promise<PlayOutcome>;
  /** Records the caller (Record, VoiceMail). */
  record?(o: RecordRequest): Promise<RecordOutcome>;
  /** Ends the recording in progress; it resolves with reason "stopped" (ARI's stop). */
  stopRecording?(): void;
  /**
   * MixMonitor(): both directions of the channel's audio written to files by the media worker
   * until `stopMixMonitor(spec.tapId)` or the hangup; resolves then, with the files closed.
   */
  mixMonitor?(spec: MixMonitorSpec): Promise<MixMonitorResult>;
  stopMixMonitor?(tapId: string): void;
  /** Where the call's signalling comes from and arrived (what the guard counts failures by). */
  readonly signalling?: { transport: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number };
  /** The prompts' language (CHANNEL(language)). */
  language?: string;
  /** Forgets keys typed ahead. */
  clearDigits?(): void;
  /** Sends the caller's audio back until hangup. */
  echo(): Promise<void>;
  /** Resolves after `seconds`, or early on hangup. */
  wait(seconds: number): Promise<void>;
  /** Calls the targets (`PJSIP/1002` …) in parallel; resolves when the bridged call ends or the dial fails. */
  dial(targets: string[], timeoutSec: number | undefined, options: string): Promise<DialResult>;
  /** 486 before answer, in-band busy tone after. */
  busy(timeoutSec?: number): Promise<void>;
  /** 503 before answer, in-band congestion tone after. */
  congestion(timeoutSec?: number): Promise<void>;
  /**
   * The next DTMF digit the phone sends while the channel is in the dialplan (whatever its
   * dtmf_mode), or undefined after `timeoutMs` or on hangup. Digits sent meanwhile are queued.
   */
  readDigit?(timeoutMs: number): Promise<string | undefined>;
  /** Sends one DTMF digit to the phone in its dtmf_mode; false when it has no way to receive one. */
  sendDtmf?(digit: string, durationMs: number): boolean;
  /**
   * Where a redirect (AMI Redirect, `channel redirect`) sent the channel, once: the executor takes
   * it when the application it interrupted returns, and goes on there instead of the next priority.
   */
  takeRedirect?(): RedirectTarget | undefined;
  /** True while a redirect waits to be taken: the channel's prompts, waits and Dial end at once. */
  redirectPending?(): boolean;
  /** Told before each application runs, so consoles can show where the call is. */
  setLocation?(where: { context: string; exten: string; priority: number; app: string; data: string }): void;
}
