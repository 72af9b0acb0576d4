/**
 * An append-only file written in batches: text is gathered for up to `delayMs` and then written
 * with one synchronous `write(2)`. Log lines come a few per call or registration; one
 * asynchronous write per line costs a trip to libuv's thread pool and back each, more than the
 * formatting of the line, while one small synchronous write per batch costs microseconds, keeps
 * the lines in order and lets `close()` finish before the process exits.
 */
import { closeSync, openSync, writeSync } from "node:fs";

export interface BatchedWriterOptions {
  delayMs?: number;
  /** Told once if the file cannot be written; nothing more is written after that. */
  onError?: (err: Error) => void;
}

/** Gathered text is written at once beyond this size. */
const MAX_PENDING = 64 * 1024;

export class BatchedWriter {
  private fd: number | undefined;
  private pending = "";
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private closed = false;
  private readonly delayMs: number;

  constructor(
    readonly path: string,
    private readonly opts: BatchedWriterOptions = {},
  ) {
    this.delayMs = opts.delayMs ?? 50;
  }

  write(text: string): void {
    if (this.failed || this.closed) return;
    this.pending += text;
    if (this.pending.length >= MAX_PENDING) this.flush();
    else this.timer ??= setTimeout(this.flush, this.delayMs);
  }

  /** Writes what is gathered now. */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === "" || this.failed) return;
    const text = this.pending;
    this.pending = "";
    try {
      this.fd ??= openSync(this.path, "a");
      writeSync(this.fd, text);
    } catch (err) {
      this.failed = true;
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  };

  /** Flushes and closes the file; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Already gone; nothing is lost by not closing it twice.
      }
      this.fd = undefined;
    }
  }
}
