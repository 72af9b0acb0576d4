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
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === "") return;
    const bytes = Buffer.from(this.pending);
    const lines = this.pendingLines;
    this.pending = "";
    this.pendingLines = 0;
    try {
      this.fd ??= openSync(this.path, "a");
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off);
      if (this.failing) {
        this.failing = false;
        this.opts.onTrouble?.({ kind: "recovered", dropped: this.droppedSinceTrouble });
        this.droppedSinceTrouble = 0;
      }
    } catch (err) {
      // Lines of this batch that reached the file are not told apart from the rest: all count as lost.
      this.dropped += lines;
      this.droppedSinceTrouble += lines;
      if (!this.failing) {
        this.failing = true;
        this.opts.onTrouble?.({ kind: "failing", err: err instanceof Error ? err : new Error(String(err)) });
      }
      this.closeFd();
    }
  };

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
      return renameFor(this.path, strategy, this.opts.now ?? (() => Math.floor(Date.now() / 1000)));
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

function slotTaken(path: string, n: number): string | undefined {
  return ARCHIVE_SUFFIXES.find((sfx) => existsSync(`${path}.${n}${sfx}`));
}

/**
 * logger.conf `rotatestrategy`:
 * - `sequential`: the file becomes `<name>.<n>` with the lowest unused n (the newest has the highest; `.gz`/`.bz2`/`.Z` archives hold their n);
 * - `rotate`: every `<name>.<n>[.gz|.bz2|.Z]` up to the first free slot moves to n+1, the file becomes `<name>.0`;
 * - `timestamp`: the file becomes `<name>.<seconds since the epoch>`.
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
      target = `${path}.${now()}`;
      break;
    }
  }
  renameSync(path, target);
  return target;
}
