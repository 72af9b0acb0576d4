/**
 * logger.conf `syslog.<facility>` channels. Node cannot send to a Unix datagram socket, so
 * lines go through one long-lived `logger(1)` (util-linux, in every Debian) per channel, each
 * line with its priority in front (`--prio-prefix`, RFC 3164's `<PRI>`), tagged `asterisk[pid]`
 * as Asterisk tags its lines (it opens syslog with LOG_PID). Lines come cut short to fit (see
 * SYSLOG_MAX_LINE); logger's own limit is raised above that so it never splits one. The socket is `/dev/log`, or `$SWITCHBOARD_SYSLOG_SOCKET`.
 * Without a syslog daemon (most containers) `logger` exits: that is reported once, and the
 * channel's lines are counted as dropped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { AsteriskLevel } from "./levels.js";

/** RFC 5424 §6.2.1 facility numbers, by the names syslog.conf uses. */
const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/**
 * Severity per Asterisk level (RFC 5424: 3 err, 4 warning, 5 notice, 6 info, 7 debug); verbose
 * and DTMF go as debug, as Asterisk sends them, and the levels Asterisk registers at run time
 * (SECURITY, FAX) as notice.
 */
const SEVERITY: Readonly<Record<AsteriskLevel, number>> = {
  DEBUG: 7, TRACE: 6, NOTICE: 5, WARNING: 4, ERROR: 3, VERBOSE: 7, DTMF: 7, FAX: 5, SECURITY: 5,
};

/**
 * The facility a `[logfiles]` channel name selects, or undefined when the name is a file: as in
 * Asterisk, any name that starts with `syslog` is a syslog channel, its facility what follows the
 * first `.` (`syslog.local3`; `syslog.` names the empty facility, which is none), `local0` when
 * there is no `.` (`syslog`).
 */
export function syslogFacilityOf(channelName: string): string | undefined {
  if (!channelName.toLowerCase().startsWith("syslog")) return undefined;
  const dot = channelName.indexOf(".");
  return dot < 0 ? "local0" : channelName.slice(dot + 1);
}

export function isSyslogFacility(name: string): boolean {
  return FACILITIES[name.toLowerCase()] !== undefined;
}

export interface SyslogChannelOptions {
  onTrouble?: (text: string) => void;
  /** The socket to write to; default `$SWITCHBOARD_SYSLOG_SOCKET` or /dev/log. */
  socket?: string;
}

export class SyslogChannel {
  private child: ChildProcess | undefined;
  private failed = false;
  private closed = false;
  private readonly facility: number;
  dropped = 0;

  get isFailing(): boolean {
    return this.failed;
  }

  constructor(
    readonly facilityName: string,
    private readonly opts: SyslogChannelOptions = {},
  ) {
    this.facility = FACILITIES[facilityName.toLowerCase()] ?? FACILITIES.user ?? 1;
  }

  /** `line` is the formatted text without stamp (syslog adds its own); each of its lines is one record. */
  write(level: AsteriskLevel, line: string): void {
    if (this.closed) return;
    const child = this.failed ? undefined : (this.child ?? this.start());
    if (child?.stdin === null || child?.stdin === undefined || !child.stdin.writable) {
      this.dropped++;
      return;
    }
    // logger(1) sends each line as one record: every line of a multi-line text carries the priority.
    const pri = `<${this.facility * 8 + SEVERITY[level]}>`;
    child.stdin.write(line.includes("\n") ? `${pri}${line.split("\n").join(`\n${pri}`)}\n` : `${pri}${line}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private start(): ChildProcess {
    const socket = this.opts.socket ?? process.env.SWITCHBOARD_SYSLOG_SOCKET ?? "/dev/log";
    const child = spawn("logger", ["--prio-prefix", "-t", "asterisk", `--id=${process.pid}`, "--size", "4096", "--socket-errors=on", "-u", socket], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin?.on("error", () => undefined);
    const fail = (why: string): void => {
      if (this.failed || this.closed) return;
      this.failed = true;
      this.child = undefined;
      this.opts.onTrouble?.(`syslog.${this.facilityName}: ${why}; its lines are counted as dropped`);
    };
    child.on("error", (err) => fail(`cannot run logger(1) (${err.message}; Debian package bsdutils)`));
    child.on("exit", (code) => fail(`cannot write to ${socket}: ${stderr.trim() || `logger exited with ${code}`} (is a syslog daemon running?)`));
    this.child = child;
    return child;
  }
}
