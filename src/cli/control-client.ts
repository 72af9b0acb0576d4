/**
 * The console side of the control socket: `ControlClient` speaks the frames of protocol.ts, and
 * `runRemoteCommand` is `switchboard -rx "<command>"`: run one command, print its output, exit
 * 0 when it succeeded and 1 when it did not (2 when no PBX answered), so shell scripts can test it.
 */
import { createConnection, type Socket } from "node:net";
import { PbxError } from "../core/errors.js";
import { TypedEmitter } from "../core/emitter.js";
import type { CliResult } from "./registry.js";
import { LineSplitter, MAX_SERVER_FRAME, type ServerFrame } from "./protocol.js";

export type ControlClientEvents = {
  /** A log line for a subscribed console. */
  log: [line: string];
  /** The server closed the connection (or it failed). */
  close: [];
  /** An error frame that answers no particular request. */
  error: [message: string];
};

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(err: Error): void;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export class ControlClient extends TypedEmitter<ControlClientEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new LineSplitter(MAX_SERVER_FRAME);
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    super();
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.onClose());
  }

  /** Connects to a running PBX; rejects with a CONTROL_SOCKET error when none answers. */
  static connect(socketPath: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      const onError = (err: Error) =>
        reject(new PbxError("CONTROL_SOCKET", `cannot connect to ${socketPath}: ${err.message}`, { cause: err }));
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        resolve(new ControlClient(socket));
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async exec(line: string): Promise<CliResult> {
    const frame = await this.request({ type: "exec", line });
    if (frame.type !== "result") throw new PbxError("CONTROL_SOCKET", "unexpected reply to exec");
    return frame.ok ? { ok: true, output: frame.output } : { ok: false, output: frame.output };
  }

  async complete(line: string): Promise<string[]> {
    const frame = await this.request({ type: "complete", line });
    if (frame.type !== "completions") throw new PbxError("CONTROL_SOCKET", "unexpected reply to complete");
    return frame.items;
  }

  /** Asks the server to forward log lines, verbose ones up to `verbosity`; they arrive as `log` events. */
  subscribeLog(verbosity = 0): void {
    this.write({ type: "subscribe-log", verbose: verbosity });
  }

  close(): void {
    this.socket.end();
  }

  private request(body: { type: "exec" | "complete"; line: string }): Promise<ServerFrame> {
    if (this.isClosed) return Promise.reject(new PbxError("CONTROL_SOCKET", "connection to Switchboard is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ id, ...body });
    });
  }

  private write(frame: object): void {
    if (!this.isClosed) this.socket.write(JSON.stringify(frame) + "\n");
  }

  private onData(chunk: string): void {
    const lines = this.splitter.push(chunk);
    if (this.splitter.overflow) {
      this.socket.destroy();
      return;
    }
    for (const text of lines) {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(text) as ServerFrame;
      } catch {
        continue;
      }
      this.dispatch(frame);
    }
  }

  private dispatch(frame: ServerFrame): void {
    if (frame.type === "log") {
      this.emit("log", String(frame.line));
      return;
    }
    const id = frame.id;
    const waiter = id === undefined ? undefined : this.pending.get(id);
    if (!waiter || id === undefined) {
      if (frame.type === "error") this.emit("error", String(frame.error));
      return;
    }
    this.pending.delete(id);
    if (frame.type === "error") waiter.reject(new PbxError("CONTROL_SOCKET", String(frame.error)));
    else waiter.resolve(frame);
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const err = new PbxError("CONTROL_SOCKET", "connection to Switchboard closed");
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.emit("close");
  }
}

/** Writes and resolves once the stream has taken the text, so exiting right after loses nothing. */
export function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(text, () => resolve());
  });
}

export function unableToConnect(socketPath: string): string {
  return `Unable to connect to remote Switchboard (does ${socketPath} exist?)\n`;
}

/**
 * `switchboard -rx "<command>"`. Prints the output as the PBX returned it (plus a final newline
 * if it lacks one, so the shell prompt starts on its own line).
 */
export async function runRemoteCommand(
  socketPath: string,
  line: string,
  io: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(socketPath);
  } catch {
    await writeOut(io.stderr, unableToConnect(socketPath));
    return 2;
  }
  try {
    const res = await client.exec(line);
    const out = res.output.length > 0 && !res.output.endsWith("\n") ? res.output + "\n" : res.output;
    await writeOut(io.stdout, out);
    return res.ok ? 0 : 1;
  } catch (err) {
    await writeOut(io.stderr, `${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client.close();
  }
}
