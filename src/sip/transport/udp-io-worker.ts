/**
 * The socket thread of a busy UDP transport (see udp-transport.ts): while it holds the port, the
 * syscalls of receiving and sending every datagram (and the kernel's loopback and wake-up work
 * charged to them) run on a second core and the main thread only parses and answers. It batches
 * what it receives per event-loop turn, sends what the main thread batched, and reports failed
 * sends back by index.
 */
import { createSocket, type Socket } from "node:dgram";
import { parentPort, workerData } from "node:worker_threads";
import { fastLookup } from "../../core/fast-lookup.js";
import { forEachDatagram, packDatagrams, type FromSocketThread, type ToSocketThread, type UdpIoConfig } from "./udp-io-protocol.js";

const port = parentPort;
if (port === null) throw new Error("udp-io-worker must run as a worker thread");
const config = workerData as UdpIoConfig;
const post = (m: FromSocketThread, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

let socket: Socket | undefined;
let rxDatas: Buffer[] = [];
let rxAddresses: string[] = [];
let rxPorts: number[] = [];
let rxScheduled = false;

function flushRx(): void {
  rxScheduled = false;
  if (rxDatas.length === 0) return;
  const batch = packDatagrams(rxDatas, rxAddresses, rxPorts);
  rxDatas = [];
  rxAddresses = [];
  rxPorts = [];
  post({ t: "rx", ...batch }, [batch.bytes]);
}

function bind(address: string, wanted: number): void {
  const s = createSocket({ type: config.family === 6 ? "udp6" : "udp4", ipv6Only: config.family === 6, reuseAddr: true, lookup: fastLookup });
  s.once("error", (err) => {
    s.close();
    post({ t: "bindError", message: err.message });
  });
  s.bind(wanted, address, () => {
    s.removeAllListeners("error");
    s.on("error", (err) => post({ t: "socketError", message: err.message }));
    try {
      s.setRecvBufferSize(config.bufferBytes);
      s.setSendBufferSize(config.bufferBytes);
    } catch {
      // Larger buffers are an optimisation; the kernel may cap them.
    }
    s.on("message", (data, rinfo) => {
      rxDatas.push(data);
      rxAddresses.push(rinfo.address);
      rxPorts.push(rinfo.port);
      if (!rxScheduled) {
        rxScheduled = true;
        setImmediate(flushRx);
      }
    });
    socket = s;
    const a = s.address();
    post({ t: "bound", address: a.address, port: a.port });
  });
}

/** Stops sending at once; keeps receiving what is already queued for `drainMs`, then closes. */
function unbind(drainMs: number, then: () => void): void {
  const s = socket;
  socket = undefined;
  if (s === undefined) return then();
  setTimeout(() => {
    flushRx();
    s.close(then);
  }, drainMs);
}

function transmit(m: Extract<ToSocketThread, { t: "tx" }>): void {
  const errors: Array<[number, string]> = [];
  let pending = m.lengths.length;
  const done = (): void => {
    if (--pending === 0 && (m.reply || errors.length > 0)) post({ t: "sent", batch: m.batch, errors });
  };
  const s = socket;
  forEachDatagram(m, (data, address, remotePort, index) => {
    if (s === undefined) {
      errors.push([index, "the socket thread does not hold the port"]);
      done();
      return;
    }
    try {
      s.send(data, remotePort, address, (err) => {
        if (err) errors.push([index, err.message]);
        done();
      });
    } catch (err) {
      // dgram refuses some destinations synchronously (port 0, a malformed address).
      errors.push([index, err instanceof Error ? err.message : String(err)]);
      done();
    }
  });
}

post({ t: "ready" });

port.on("message", (m: ToSocketThread) => {
  switch (m.t) {
    case "tx":
      transmit(m);
      break;
    case "bind":
      bind(m.address, m.port);
      break;
    case "unbind":
      unbind(m.drainMs, () => post({ t: "unbound" }));
      break;
    case "close":
      unbind(0, () => port.close());
      break;
  }
});
