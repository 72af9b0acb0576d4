/**
 * One log file of a logger.conf channel. Lines are gathered for a few milliseconds and written
 * with one synchronous `write(2)`: one asynchronous write per line costs a trip to libuv's thread
 * pool and back each, more than formatting the line, while one small synchronous write per batch
 * costs microseconds, keeps the lines in order and lets `close()` finish before the process
 * exits. And:
 *
 * - **Rotation never loses a line.** `rotate()` writes what is gathered, closes, renames as
 *   logger.conf's `rotatestrategy` says and opens a fresh file, all in one turn of the event loop:
 *   no line can arrive in between. `reopen()` (`logger reload`, SIGHUP after an outside logrotate
 *   has moved the file) does the same without the rename.
 * - **A full disk never stops calls.** A failed write is reported once (`onTrouble`), the lines
 *   it held are counted as dropped, and later writes are tried again; the first one that succeeds
 *   is reported too, with the count.
 */
import { closeSync, existsSync, openSync, renameSync, statSync, writeSync } from "node:fs";

export type RotateStrategy = "none" | "sequential" | "rotate" | "timestamp";

export interface LogFileOptions {
  delayMs?: number;
  /** Told when writing starts failing and when it works again (with the lines lost meanwhile). */
  onTrouble?: (event: { kind: "failing"; err: Error } | { kind: "recovered"; dropped: number }) => void;
  /**
   * A write failed with EFBIG (the file reached the process's size limit, where Asterisk gets
   * SIGXFSZ and rotates). Return true once the file has been rotated: the write is tried again.
   */
  onTooLarge?: () => boolean;
  /** Seconds since the epoch for `timestamp` rotation (tests pin it). */
  now?: () => number;
}

const MAX_PENDING = 64 * 1024;

export class LogFile {
  private fd: number | undefined;
  private pending = "";
  private pendingLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private closed = false;
  /** The last write stopped inside a line (a full disk): the file does not end in a newline. */
  private midLine = false;
  private flushing = false;
  /** Lines that could not be written since the file last worked. */
  private droppedSinceTrouble = 0;
  /** Lines lost in all, for `logger show channels`-style reports. */
  dropped = 0;

  constructor(
    readonly path: string,
    private readonly opts: LogFileOptions = {},
  ) {}

  write(line: string): void {
    if (this.closed) return;
    this.pending += line;
    this.pendingLines++;
    if (this.pending.length >= MAX_PENDING) this.flush();
    else this.timer ??= setTimeout(this.flush, this.opts.delayMs ?? 50);
  }

  /** Writes what is gathered now. */
  readonly flush = (): void => {
    // A flush from inside a flush (the owner rotating from onTooLarge) leaves the new lines
    // pending: they go to the new file with the next one.
    if (this.flushing) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === "") return;
    // After a write that stopped mid-line, the cut line is ended before anything else is added.
    const ended = this.midLine;
    const bytes = Buffer.from(ended ? "\n" + this.pending : this.pending);
    const lines = this.pendingLines;
    this.pending = "";
    this.pendingLines = 0;
    this.flushing = true;
    try {
      this.writeAll(bytes, 0);
    } catch (err) {
      if (errorCode(err) !== "EFBIG" || this.opts.onTooLarge?.() !== true) return this.lost(bytes, this.written, lines, ended, err);
      // The owner rotated the file: the cut line is written again, whole, to the new one (a
      // leading "\n" that would end a cut line of the old file is left out).
      const from = this.written === 0 ? (ended ? 1 : 0) : bytes.lastIndexOf(0x0a, this.written - 1) + 1;
      try {
        this.writeAll(bytes, from);
      } catch (again) {
        return this.lost(bytes, this.written, lines, ended && from === 0, again);
      }
    } finally {
      this.flushing = false;
    }
    this.recovered();
    if (this.pending !== "") this.timer ??= setTimeout(this.flush, this.opts.delayMs ?? 50);
  };

  /** Bytes of `bytes` from `from` to the end into the file; `written` tells how far it got when it throws. */
  private written = 0;
  private writeAll(bytes: Buffer, from: number): void {
    this.written = from;
    this.fd ??= openSync(this.path, "a");
    while (this.written < bytes.length) this.written += writeSync(this.fd, bytes, this.written);
    this.midLine = false;
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.opts.onTrouble?.({ kind: "recovered", dropped: this.droppedSinceTrouble });
    this.droppedSinceTrouble = 0;
  }

  /**
   * A write failed after `off` bytes: the lines that did not reach the file whole are counted as
   * dropped. `ended`: `bytes` begins with the "\n" that ends an earlier cut line, not one of these.
   */
  private lost(bytes: Buffer, off: number, lines: number, ended: boolean, err: unknown): void {
    let whole = 0;
    for (let i = bytes.indexOf(0x0a); i >= 0 && i < off; i = bytes.indexOf(0x0a, i + 1)) whole++;
    if (ended && whole > 0) whole--;
    if (off > 0) this.midLine = bytes[off - 1] !== 0x0a;
    const dropped = Math.max(lines - whole, 0);
    this.dropped += dropped;
    this.droppedSinceTrouble += dropped;
    if (!this.failing) {
      this.failing = true;
      this.opts.onTrouble?.({ kind: "failing", err: err instanceof Error ? err : new Error(String(err)) });
    }
    this.closeFd();
  }

  /** False while writes fail (`logger show channels` says Disabled). */
  get isFailing(): boolean {
    return this.failing;
  }

  /** Bytes in the file now (0 when it does not exist). */
  size(): number {
    this.flush();
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** Writes what is gathered and opens the file again by name (after an outside rename). */
  reopen(): void {
    this.flush();
    this.closeFd();
  }

  /**
   * Writes what is gathered, renames the file as `strategy` says and starts a new one. Returns the
   * name the old file got, or undefined (strategy `none`, or no file yet).
   */
  rotate(strategy: RotateStrategy): string | undefined {
    this.flush();
    this.closeFd();
    if (strategy === "none" || !existsSync(this.path)) return undefined;
    try {
      const archive = renameFor(this.path, strategy, this.opts.now ?? (() => Math.floor(Date.now() / 1000)));
      this.midLine = false; // a cut last line stays in the archive; the new file starts clean
      return archive;
    } catch (err) {
      this.opts.onTrouble?.({ kind: "failing", err: err instanceof Error ? err : new Error(String(err)) });
      return undefined;
    }
  }

  /** Flushes and closes; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already gone; nothing is lost by not closing it twice.
    }
    this.fd = undefined;
  }
}

/** Archives compressed by exec_after_rotate still hold their slot for `rotate`. */
const ARCHIVE_SUFFIXES = ["", ".gz", ".bz2", ".Z"];

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

function slotTaken(path: string, n: number): string | undefined {
  return ARCHIVE_SUFFIXES.find((sfx) => existsSync(`${path}.${n}${sfx}`));
}

/**
 * logger.conf `rotatestrategy`:
 * - `sequential`: the file becomes `<name>.<n>` with the lowest unused n (the newest has the highest; `.gz`/`.bz2`/`.Z` archives hold their n);
 * - `rotate`: every `<name>.<n>[.gz|.bz2|.Z]` up to the first free slot moves to n+1, the file becomes `<name>.0`;
 * - `timestamp`: the file becomes `<name>.<seconds since the epoch>`, or `<name>.<seconds>.<n>` when that is taken.
 */
function renameFor(path: string, strategy: Exclude<RotateStrategy, "none">, now: () => number): string {
  let target: string;
  switch (strategy) {
    case "sequential": {
      let n = 0;
      // Asterisk looks only for `<name>.<n>`; a slot whose archive exec_after_rotate compressed counts too, so `.0` never comes back beside `.0.gz`.
      while (slotTaken(path, n) !== undefined) n++;
      target = `${path}.${n}`;
      break;
    }
    case "rotate": {
      let free = 0;
      while (slotTaken(path, free) !== undefined) free++;
      for (let n = free; n >= 1; n--) {
        const sfx = slotTaken(path, n - 1);
        if (sfx !== undefined) renameSync(`${path}.${n - 1}${sfx}`, `${path}.${n}${sfx}`);
      }
      target = `${path}.0`;
      break;
    }
    case "timestamp": {
      // Asterisk renames over an archive of the same second; a second rotation within it gets `.1`, `.2` … instead.
      const stamp = now();
      target = `${path}.${stamp}`;
      for (let n = 1; ARCHIVE_SUFFIXES.some((sfx) => existsSync(`${target}${sfx}`)); n++) target = `${path}.${stamp}.${n}`;
      break;
    }
  }
  renameSync(path, target);
  return target;
}
