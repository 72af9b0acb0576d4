/**
 * UDP flood sender for `bench:guard`, run as its own process so it has a core of its own:
 *
 *   node --import tsx bench/lib/udp-flood.ts '{"target":"127.0.0.1:5060","sources":["127.0.0.101"],"pps":50000,"seconds":10}'
 *
 * Sends valid-looking SIP REGISTER datagrams from every source address in turn, paced to `pps`
 * (0 = as fast as the socket accepts), and prints `{"sent":N,"seconds":S}` on stdout when done.
 * A few dozen prebuilt datagrams with distinct Call-IDs and branches are reused round-robin, so
 * the sender spends its time sending rather than formatting.
 */
import { createSocket, type Socket } from "node:dgram";

export interface FloodInput {
  readonly target: string;
  readonly sources: readonly string[];
  /** Packets per second to offer in total; 0 = unpaced. */
  readonly pps: number;
  readonly seconds: number;
}

export interface FloodOutput {
  readonly sent: number;
  readonly seconds: number;
}

const VARIANTS = 64;
const TICK_MS = 2;
/** Datagrams waiting in Node's send queue per socket before the sender backs off. */
const MAX_QUEUE = 256;

function datagram(source: string, port: number, target: string, i: number): Buffer {
  const user = 3000 + (i % 50);
  return Buffer.from(
    [
      `REGISTER sip:${target} SIP/2.0`,
      `Via: SIP/2.0/UDP ${source}:${port};branch=z9hG4bKflood${i}x${source.replace(/\./g, "")};rport`,
      "Max-Forwards: 70",
      `From: <sip:${user}@${target}>;tag=fl${i}`,
      `To: <sip:${user}@${target}>`,
      `Call-ID: flood-${i}-${source}`,
      "CSeq: 1 REGISTER",
      `Contact: <sip:${user}@${source}:${port}>`,
      "Expires: 3600",
      "User-Agent: bench-flood",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
    "latin1",
  );
}

async function bind(ip: string): Promise<Socket> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind({ address: ip, port: 0 }, () => resolve());
  });
  // Replies never come (the sources are banned); anything that does is ignored.
  sock.on("message", () => undefined);
  sock.on("error", () => undefined);
  return sock;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? "{}") as FloodInput;
  const [host = "127.0.0.1", portText = "5060"] = input.target.split(":");
  const port = Number(portText);
  const socks = await Promise.all(input.sources.map(bind));
  const packets = socks.map((s, n) => Array.from({ length: VARIANTS }, (_, i) => datagram(input.sources[n] ?? "127.0.0.1", s.address().port, input.target, i)));
  let sent = 0;
  let turn = 0;
  const started = performance.now();
  const endAt = started + input.seconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (now >= endAt) {
        resolve();
        return;
      }
      const due = input.pps > 0 ? Math.floor(((now - started) / 1000) * input.pps) - sent : 2000;
      for (let k = 0; k < Math.min(due, 20000); k++) {
        const idx = turn++ % socks.length;
        const sock = socks[idx];
        const list = packets[idx];
        if (sock === undefined || list === undefined) break;
        if (sock.getSendQueueCount() > MAX_QUEUE) break;
        const buf = list[sent % VARIANTS];
        if (buf === undefined) break;
        sock.send(buf, port, host);
        sent++;
      }
      // setImmediate when unpaced lets completed sends drain; a timer otherwise keeps the pace.
      if (input.pps > 0) setTimeout(tick, TICK_MS);
      else setImmediate(tick);
    };
    tick();
  });
  const seconds = (performance.now() - started) / 1000;
  for (const s of socks) s.close();
  const out: FloodOutput = { sent, seconds };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`udp-flood failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
