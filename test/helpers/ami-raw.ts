/**
 * A bare AMI client over a real TCP socket, for what the npm clients cannot do: choose the
 * source address (ban tests), send malformed input, and read every message byte for byte.
 */
import { connect, type Socket } from "node:net";

export interface RawAmiMessage {
  readonly text: string;
  get(key: string): string | undefined;
}

function parse(text: string): RawAmiMessage {
  const fields = text.split("\r\n").map((l) => {
    const i = l.indexOf(":");
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as const;
  });
  return { text, get: (k) => fields.find(([n]) => n === k.toLowerCase())?.[1] };
}

export class RawAmi {
  banner = "";
  closed = false;
  readonly messages: RawAmiMessage[] = [];
  private buf = "";
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buf += d;
      if (this.banner === "") {
        const nl = this.buf.indexOf("\r\n");
        if (nl < 0) return;
        this.banner = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 2);
      }
      for (;;) {
        const end = this.buf.indexOf("\r\n\r\n");
        if (end < 0) break;
        this.messages.push(parse(this.buf.slice(0, end)));
        this.buf = this.buf.slice(end + 4);
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static open(port: number, host = "127.0.0.1", localAddress?: string): Promise<RawAmi> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, ...(localAddress !== undefined ? { localAddress } : {}) }, () => resolve(new RawAmi(s)));
      s.once("error", reject);
    });
  }

  send(fields: Record<string, string>): void {
    this.socket.write(Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n");
  }

  /** The next message matching `pred` (searching those already received first). */
  async next(pred: (m: RawAmiMessage) => boolean, timeoutMs = 5000): Promise<RawAmiMessage> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.messages.length; seen++) if (pred(this.messages[seen]!)) return this.messages.splice(seen, 1)[0]!;
      if (this.closed) throw new Error(`connection closed while waiting; received:\n${this.messages.map((m) => m.text).join("\n--\n")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received:\n${this.messages.map((m) => m.text).join("\n--\n")}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends an action with an ActionID and returns its response. */
  async action(fields: Record<string, string>, timeoutMs = 5000): Promise<RawAmiMessage> {
    const id = `t${Math.random().toString(36).slice(2)}`;
    this.send({ ...fields, ActionID: id });
    return this.next((m) => m.get("ActionID") === id && m.get("Response") !== undefined, timeoutMs);
  }

  async whenClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!this.closed) throw new Error("connection still open");
  }

  close(): void {
    this.socket.destroy();
  }
}
