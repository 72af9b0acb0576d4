/**
 * The socket thread of a UDP transport: owns the socket, so the syscalls of receiving and sending
 * every datagram (and the kernel's loopback and wake-up work charged to them) run on a second
 * core while the main thread parses and answers. It batches what it receives per event-loop turn
 * and sends what the main thread batched, reporting failed sends back by index.
 */
import { createSocket, type Socket } from "node:dgram";
import { parentPort, workerData } from "node:worker_threads";
import { fastLookup } from "../../core/fast-lookup.js";
import { forEachDatagram, packDatagrams, type FromSocketThread, type ToSocketThread, type UdpIoConfig } from "./udp-io-protocol.js";

const port = parentPort;
if (port === null) throw new Error("udp-io-worker must run as a worker thread");
const config = workerData as UdpIoConfig;
const post = (m: FromSocketThread, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

const socket: Socket = createSocket({ type: config.family === 6 ? "udp6" : "udp4", ipv6Only: config.family === 6, lookup: fastLookup });

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

socket.once("error", (err) => post({ t: "bindError", message: err.message }));
socket.bind(config.port, config.address, () => {
  socket.removeAllListeners("error");
  socket.on("error", (err) => post({ t: "socketError", message: err.message }));
  try {
    socket.setRecvBufferSize(config.bufferBytes);
    socket.setSendBufferSize(config.bufferBytes);
  } catch {
    // Larger buffers are an optimisation; the kernel may cap them.
  }
  socket.on("message", (data, rinfo) => {
    rxDatas.push(data);
    rxAddresses.push(rinfo.address);
    rxPorts.push(rinfo.port);
    if (!rxScheduled) {
      rxScheduled = true;
      setImmediate(flushRx);
    }
  });
  const a = socket.address();
  post({ t: "bound", address: a.address, port: a.port });
});

function transmit(m: Extract<ToSocketThread, { t: "tx" }>): void {
  const errors: Array<[number, string]> = [];
  let pending = m.lengths.length;
  const done = (): void => {
    if (--pending === 0 && (m.reply || errors.length > 0)) post({ t: "sent", batch: m.batch, errors });
  };
  forEachDatagram(m, (data, address, remotePort, index) => {
    try {
      socket.send(data, remotePort, address, (err) => {
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

port.on("message", (m: ToSocketThread) => {
  if (m.t === "tx") transmit(m);
  else if (m.t === "close") {
    flushRx();
    socket.close(() => {
      post({ t: "closed" });
      port.close();
    });
  }
});
