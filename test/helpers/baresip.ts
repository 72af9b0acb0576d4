/**
 * A headless baresip 1.0 phone (PEERS.md §3): its own config directory, IP literals only, no
 * audio player, an aufile WAV as microphone, the sndfile recorder, and ctrl_tcp for commands
 * and events (netstring-framed JSON).
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { scratchDir, sleep, spawnTracked, stopProcess } from "./processes.js";
import { allocatePortBlock, freePort } from "./ports.js";
import type { ChildProcess } from "node:child_process";

export interface BaresipOptions {
  /** IP for SIP, ctrl_tcp and net_interface, e.g. 127.0.0.2. */
  readonly ip: string;
  readonly sipPort?: number;
  readonly ctrlPort?: number;
  /** e.g. "20200-20299". */
  readonly rtpPorts?: string;
  /** Lines of the accounts file, e.g. `<sip:1001@127.0.0.1:5060;transport=udp>;auth_pass=x;regint=600`. */
  readonly accounts: readonly string[];
  /** WAV played as microphone (16-bit PCM, rate/channels of the codec). */
  readonly audioSource?: string;
  /** Extra modules (file names), e.g. ["g722.so", "srtp.so"]. */
  readonly modules?: readonly string[];
  /** Lines of the contacts file, e.g. `"Bob" <sip:2002@127.0.0.1:5060>;presence=p2p` (watched with presence.so). */
  readonly contacts?: readonly string[];
  /** Extra config lines appended verbatim. */
  readonly extraConfig?: readonly string[];
  /** Quit after this many seconds (-t) as a safety net; default 120. */
  readonly maxSeconds?: number;
  /** Run inside a network namespace. */
  readonly netns?: string;
}

export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly accountaor?: string;
  readonly param?: string;
  readonly id?: string;
  readonly [key: string]: unknown;
}

export interface BaresipResponse {
  readonly ok: boolean;
  readonly data: string;
}

/** Encodes one netstring: `<len>:<payload>,`. */
export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, "utf8");
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(",")]);
}

/** Incremental netstring decoder; returns complete payloads and keeps the remainder. */
export class NetstringDecoder {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): string[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) break;
      const len = Number(this.buf.subarray(0, colon).toString("latin1"));
      if (!Number.isInteger(len) || len < 0) throw new Error("corrupt netstring stream");
      if (this.buf.length < colon + 1 + len + 1) break;
      out.push(this.buf.subarray(colon + 1, colon + 1 + len).toString("utf8"));
      this.buf = this.buf.subarray(colon + 1 + len + 1);
    }
    return out;
  }
}

/** Client for baresip's ctrl_tcp module. */
export class BaresipControl {
  readonly events: BaresipEvent[] = [];
  private readonly decoder = new NetstringDecoder();
  private readonly pending = new Map<string, (r: BaresipResponse) => void>();
  private eventWaiters: Array<(e: BaresipEvent) => void> = [];
  private seq = 0;

  private constructor(private readonly sock: Socket) {
    sock.on("data", (chunk) => {
      for (const text of this.decoder.push(chunk)) this.onMessage(text);
    });
    sock.on("error", () => undefined);
  }

  /**
   * Connects, retrying until `timeoutMs` (baresip opens the port a moment after start). Through
   * a namespace relay the connection succeeds before baresip listens (the relay then drops it),
   * so a connection counts only once baresip has answered a command on it.
   */
  static async connect(where: { host: string; port: number } | { path: string }, timeoutMs = 5000): Promise<BaresipControl> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(where);
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        const ctrl = new BaresipControl(sock);
        try {
          await ctrl.command("reginfo", 1500);
        } catch (err) {
          ctrl.close();
          throw err;
        }
        return ctrl;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`baresip ctrl_tcp ${JSON.stringify(where)} not reachable: ${String(err)}`);
        await sleep(100);
      }
    }
  }

  /** Sends a menu long command without the slash (`dial sip:…`, `reginfo`, `hangup`). */
  command(cmd: string, timeoutMs = 5000): Promise<BaresipResponse> {
    const tokenId = `t${++this.seq}`;
    const space = cmd.indexOf(" ");
    const command = space < 0 ? cmd : cmd.slice(0, space);
    const params = space < 0 ? "" : cmd.slice(space + 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(tokenId);
        reject(new Error(`baresip command '${cmd}' not answered within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(tokenId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.sock.write(encodeNetstring(JSON.stringify({ command, params, token: tokenId })));
    });
  }

  /** Resolves with the first event of `type` (already received or future) matching `pred`. */
  waitEvent(type: string, timeoutMs = 10000, pred: (e: BaresipEvent) => boolean = () => true): Promise<BaresipEvent> {
    const seen = this.events.find((e) => e.type === type && pred(e));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.eventWaiters = this.eventWaiters.filter((w) => w !== waiter);
        reject(new Error(`no baresip event ${type} within ${timeoutMs} ms (got ${this.events.map((e) => e.type).join(", ")})`));
      }, timeoutMs);
      const waiter = (e: BaresipEvent): void => {
        if (e.type !== type || !pred(e)) return;
        clearTimeout(timer);
        this.eventWaiters = this.eventWaiters.filter((w) => w !== waiter);
        resolve(e);
      };
      this.eventWaiters.push(waiter);
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private onMessage(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (msg.event === true) {
      const ev = msg as unknown as BaresipEvent;
      this.events.push(ev);
      for (const w of [...this.eventWaiters]) w(ev);
    } else if (msg.response === true && typeof msg.token === "string") {
      this.pending.get(msg.token)?.({ ok: msg.ok === true, data: typeof msg.data === "string" ? msg.data : "" });
      this.pending.delete(msg.token);
    }
  }
}

export interface Baresip {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly ctrl: BaresipControl;
  command(cmd: string): Promise<BaresipResponse>;
  waitEvent(type: string, timeoutMs?: number): Promise<BaresipEvent>;
  /** Text of `reginfo`. */
  reginfo(): Promise<string>;
  /** baresip's stdout/stderr so far, with `\r` turned into newlines. */
  log(): string;
  /** Recorded WAVs in snd_path (sndfile): `-dec.wav` is what this phone heard. */
  recordings(): string[];
  stop(): Promise<void>;
}

/** Writes the config directory and starts baresip; resolves once ctrl_tcp is connected. */
export async function startBaresip(o: BaresipOptions): Promise<Baresip> {
  const dir = scratchDir("baresip");
  const recDir = join(dir, "rec");
  mkdirSync(recDir);
  const sipPort = o.sipPort ?? (await freePort(o.ip));
  const ctrlPort = o.ctrlPort ?? (await freePort(o.ip));
  const rtpBase = o.rtpPorts === undefined ? await allocatePortBlock(o.ip, 20) : undefined;
  const config = [
    `sip_listen ${o.ip}:${sipPort}`,
    `net_interface ${o.ip}`,
    `dns_server 127.0.0.1:53`,
    ...(o.audioSource !== undefined ? [`audio_source aufile,${o.audioSource}`] : []),
    `rtp_ports ${o.rtpPorts ?? `${rtpBase}-${(rtpBase ?? 0) + 19}`}`,
    `rtp_timeout 10`,
    `rtcp_mux no`,
    `jitter_buffer_delay 5-10`,
    `module_path /usr/lib/baresip/modules`,
    `module g711.so`,
    `module aufile.so`,
    `module sndfile.so`,
    ...(o.modules ?? []).map((m) => `module ${m}`),
    `module_tmp uuid.so`,
    `module_tmp account.so`,
    `module_app menu.so`,
    `module_app ctrl_tcp.so`,
    `ctrl_tcp_listen ${o.ip}:${ctrlPort}`,
    `snd_path ${recDir}`,
    ...(o.extraConfig ?? []),
  ];
  writeFileSync(join(dir, "config"), config.join("\n") + "\n");
  writeFileSync(join(dir, "accounts"), o.accounts.join("\n") + "\n");
  writeFileSync(join(dir, "contacts"), (o.contacts ?? []).map((c) => `${c}\n`).join(""));
  const args = ["-f", dir, "-t", String(o.maxSeconds ?? 120)];
  const proc = o.netns !== undefined ? spawnTracked("baresip", "ip", ["netns", "exec", o.netns, "baresip", ...args]) : spawnTracked("baresip", "baresip", args);
  if (proc.pid === undefined) throw new Error("could not spawn baresip");
  let output = "";
  proc.stdout?.setEncoding("utf8").on("data", (d: string) => (output += d));
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => (output += d));
  const log = (): string => output.replace(/\r/g, "\n");
  let ctrl: BaresipControl;
  try {
    ctrl =
      o.netns !== undefined
        ? await BaresipControl.connect({ path: startNamespaceRelay(o.netns, dir, o.ip, ctrlPort) }, 8000)
        : await BaresipControl.connect({ host: o.ip, port: ctrlPort }, 8000);
  } catch (err) {
    await stopProcess(proc, 1000);
    throw new Error(`${(err as Error).message}\n--- baresip log\n${log().slice(-3000)}`);
  }
  const pid = proc.pid;
  return {
    proc, pid, dir, sipPort, ctrlPort, ctrl,
    command: (cmd) => ctrl.command(cmd),
    waitEvent: (type, timeoutMs) => ctrl.waitEvent(type, timeoutMs),
    reginfo: async () => (await ctrl.command("reginfo")).data,
    log,
    recordings: () => readdirSync(recDir).filter((f) => f.endsWith(".wav")).map((f) => join(recDir, f)),
    async stop() {
      ctrl.close();
      await stopProcess(proc, 3000);
    },
  };
}

/**
 * Inside a namespace the control port is unreachable from the test process, but a Unix socket
 * lives in the file system, which namespaces share: a relay started in the namespace bridges the
 * two, and the test talks to the socket file.
 */
function startNamespaceRelay(netns: string, dir: string, ip: string, port: number): string {
  const path = join(dir, "ctrl.sock");
  const code = `const n=require("node:net");n.createServer(c=>{const t=n.connect(${port},${JSON.stringify(ip)});c.pipe(t).pipe(c);c.on("error",()=>t.destroy());t.on("error",()=>c.destroy())}).listen(${JSON.stringify(path)})`;
  spawnTracked("baresip-ctrl-relay", "ip", ["netns", "exec", netns, process.execPath, "-e", code]);
  return path;
}
