/**
 * Sockets inside a network namespace, driven by the test process. A test cannot open a socket in
 * another namespace itself, so this small script runs there (`ip netns exec NS node --import tsx
 * ns-socket-agent.ts`) and relays: the parent writes one JSON command per line on stdin, the agent
 * writes one JSON event per line on stdout. Payloads travel as base64, so the bytes a test builds
 * are exactly the bytes on the wire. Shares no code with src/.
 *
 * Commands:
 *   { op: "udp",  id, ip, port }                       bind a UDP socket        → bound | error
 *   { op: "tcp",  id, ip, host, port, timeoutMs }      connect a TCP socket     → connected | error
 *   { op: "send", id, data, host?, port? }             send (UDP needs host/port)
 *   { op: "close", id }                                close                    → closed
 * Events: { ev: "ready" }, { ev: "data", id, host, port, data }, { ev: "closed", id }.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket as TcpSocket } from "node:net";
import { createInterface } from "node:readline";

interface Command {
  readonly op: "udp" | "tcp" | "send" | "close";
  readonly id: string;
  readonly ip?: string;
  readonly host?: string;
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly data?: string;
}

const sockets = new Map<string, { udp?: UdpSocket; tcp?: TcpSocket }>();

function emit(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + "\n");
}

function openUdp(c: Command): void {
  const sock = createSocket("udp4");
  sock.on("message", (buf, rinfo) => emit({ ev: "data", id: c.id, host: rinfo.address, port: rinfo.port, data: buf.toString("base64") }));
  sock.on("error", (err) => emit({ ev: "error", id: c.id, error: err.message }));
  sock.bind({ address: c.ip ?? "0.0.0.0", port: c.port ?? 0 }, () => {
    sockets.set(c.id, { udp: sock });
    emit({ ev: "bound", id: c.id, port: sock.address().port });
  });
}

function openTcp(c: Command): void {
  const sock = connect({ host: c.host ?? "", port: c.port ?? 0, localAddress: c.ip });
  // A SYN that the far side drops is retried by the kernel for minutes; the test wants a verdict
  // within its own bound, so the agent gives up and reports "timeout".
  const timer = setTimeout(() => {
    sock.destroy();
    emit({ ev: "error", id: c.id, error: "timeout" });
  }, c.timeoutMs ?? 3000);
  sock.once("connect", () => {
    clearTimeout(timer);
    sockets.set(c.id, { tcp: sock });
    emit({ ev: "connected", id: c.id, port: sock.localPort });
  });
  sock.on("data", (buf) => emit({ ev: "data", id: c.id, host: c.host, port: c.port, data: buf.toString("base64") }));
  sock.on("error", (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (!sockets.has(c.id)) emit({ ev: "error", id: c.id, error: err.code ?? err.message });
  });
  sock.on("close", () => {
    if (sockets.delete(c.id)) emit({ ev: "closed", id: c.id });
  });
}

function handle(c: Command): void {
  const s = sockets.get(c.id);
  switch (c.op) {
    case "udp":
      return openUdp(c);
    case "tcp":
      return openTcp(c);
    case "send": {
      const buf = Buffer.from(c.data ?? "", "base64");
      // A send can fail (e.g. ENETUNREACH toward an address leaked into a header); the agent
      // reports it and lives on, and the test sees the missing answer.
      if (s?.udp !== undefined) {
        s.udp.send(buf, c.port ?? 0, c.host ?? "", (err) => {
          if (err) emit({ ev: "error", id: c.id, error: err.message });
        });
      } else s?.tcp?.write(buf);
      return;
    }
    case "close":
      s?.udp?.close();
      s?.tcp?.destroy();
      if (s?.udp !== undefined && sockets.delete(c.id)) emit({ ev: "closed", id: c.id });
      return;
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return;
  handle(JSON.parse(line) as Command);
});
// The parent closing stdin (or dying) ends the agent and every socket with it.
process.stdin.on("end", () => process.exit(0));
emit({ ev: "ready" });
