/**
 * UdpTransport on real loopback sockets, with the socket on the main thread and on its socket
 * thread: datagrams in both directions arrive whole and in order (batched per turn), the
 * delegate's `allow` drops banned sources before they reach `onMessage`, CRLF keep-alives are not
 * messages, a failed send reaches its handler naming the peer, a port in use is a bind error,
 * close() releases the port; and the port moves to the thread under load and back when quiet,
 * without losing a datagram of a stream that runs through the moves.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { ALWAYS_ON_SOCKET_THREAD, DEFAULT_SOCKET_THREAD_POLICY, socketThreadPolicyFromEnv, UdpTransport, type SocketThreadPolicy } from "../../../src/sip/transport/udp-transport.js";
import { nullLogger } from "../../../src/core/logger.js";
import type { Flow } from "../../../src/sip/transport/types.js";

function peer(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket("udp4");
  const got: Buffer[] = [];
  socket.on("message", (m) => got.push(m));
  return new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve({ socket, port: socket.address().port, got })));
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
};

function transport(allow: (address: string) => boolean = () => true, port = 0, socketThread: SocketThreadPolicy | false = false) {
  const received: Array<{ text: string; flow: Flow }> = [];
  const t = new UdpTransport({
    id: "transport-udp",
    address: "127.0.0.1",
    port,
    socketThread,
    log: nullLogger,
    delegate: { allow, onMessage: (data, flow) => received.push({ text: data.toString("latin1"), flow }) },
  });
  return { t, received };
}

async function exchange(t: UdpTransport, received: Array<{ text: string; flow: Flow }>, p: { socket: Socket; port: number; got: Buffer[] }, tag: string): Promise<void> {
  const from = received.length;
  const gotFrom = p.got.length;
  for (let i = 0; i < 50; i++) p.socket.send(`${tag} in #${i}`, t.localPort, "127.0.0.1");
  await until(() => received.length === from + 50);
  assert.deepEqual(received.slice(from).map((r) => r.text), Array.from({ length: 50 }, (_, i) => `${tag} in #${i}`));
  for (let i = 0; i < 50; i++) t.send(Buffer.from(`${tag} out #${i}`), "127.0.0.1", p.port);
  await until(() => p.got.length === gotFrom + 50);
  assert.deepEqual(p.got.slice(gotFrom).map((b) => b.toString()), Array.from({ length: 50 }, (_, i) => `${tag} out #${i}`));
}

describe("SWITCHBOARD_UDP_SOCKET_THREAD", () => {
  it("reads auto, always and never; one core has no socket thread; another value is warned about once and read as auto", () => {
    const warnings: string[] = [];
    const log = { ...nullLogger, warn: (_o: object, msg: string) => void warnings.push(msg) };
    assert.equal(socketThreadPolicyFromEnv(log, undefined, 2), DEFAULT_SOCKET_THREAD_POLICY);
    assert.equal(socketThreadPolicyFromEnv(log, "auto", 2), DEFAULT_SOCKET_THREAD_POLICY);
    assert.equal(socketThreadPolicyFromEnv(log, "always", 2), ALWAYS_ON_SOCKET_THREAD);
    assert.equal(socketThreadPolicyFromEnv(log, "never", 2), false);
    assert.equal(socketThreadPolicyFromEnv(log, "always", 1), false);
    assert.deepEqual(warnings, []);
    assert.equal(socketThreadPolicyFromEnv(log, "yes", 2), DEFAULT_SOCKET_THREAD_POLICY);
    assert.equal(socketThreadPolicyFromEnv(log, "yes", 2), DEFAULT_SOCKET_THREAD_POLICY);
    assert.deepEqual(warnings, ["SWITCHBOARD_UDP_SOCKET_THREAD='yes' is not one of auto, always, never; using auto"]);
  });
});

describe("UdpTransport", () => {
  it("moves the port to its socket thread and back, carrying traffic whole and in order in each place", async () => {
    const { t, received } = transport(undefined, 0, { up: 1e9, upSeconds: 1, down: 0, downSeconds: 1 });
    await t.listen();
    const p = await peer();
    try {
      const port = t.localPort;
      assert.deepEqual(t.socketPlace, { place: "main", moves: 0 });
      await exchange(t, received, p, "main");
      await t.moveToThread();
      assert.deepEqual(t.socketPlace, { place: "thread", moves: 1 });
      assert.equal(t.localPort, port, "the same port on the socket thread");
      await exchange(t, received, p, "thread");
      const errors: string[] = [];
      t.send(Buffer.from("x"), "127.0.0.1", 0, undefined, (err) => errors.push(err.message));
      await until(() => errors.length === 1);
      assert.match(errors[0] ?? "", /^UDP send to 127\.0\.0\.1:0 failed: /, "failed sends on the thread reach their handler");
      await t.moveToMain();
      assert.deepEqual(t.socketPlace, { place: "main", moves: 2 });
      await exchange(t, received, p, "back");
    } finally {
      p.socket.close();
      await t.close();
    }
  });

  it("under load the port moves to the thread by itself, and back once quiet", async () => {
    const { t, received } = transport(undefined, 0, { up: 100, upSeconds: 1, down: 20, downSeconds: 1 });
    await t.listen();
    const p = await peer();
    try {
      const blast = setInterval(() => {
        for (let i = 0; i < 30; i++) p.socket.send("OPTIONS sip:x SIP/2.0", t.localPort, "127.0.0.1");
      }, 50);
      try {
        await until(() => t.socketPlace.place === "thread", 8000);
      } finally {
        clearInterval(blast);
      }
      const before = received.length;
      p.socket.send("after the move", t.localPort, "127.0.0.1");
      await until(() => received.slice(before).some((r) => r.text === "after the move"));
      await until(() => t.socketPlace.place === "main", 8000);
      assert.equal(t.socketPlace.moves, 2);
      await exchange(t, received, p, "quiet");
    } finally {
      p.socket.close();
      await t.close();
    }
  });

  it("loses no datagram of a stream that runs while the port moves to the thread and back", async () => {
    const { t, received } = transport(undefined, 0, { up: 1e9, upSeconds: 1, down: 0, downSeconds: 1 });
    await t.listen();
    const p = await peer();
    let sent = 0;
    const stream = setInterval(() => {
      for (let i = 0; i < 20; i++) p.socket.send(`n ${sent++}`, t.localPort, "127.0.0.1");
    }, 1);
    try {
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, 100));
        await t.moveToThread();
        assert.equal(t.socketPlace.place, "thread");
        await new Promise((r) => setTimeout(r, 100));
        await t.moveToMain();
        assert.equal(t.socketPlace.place, "main");
      }
    } finally {
      clearInterval(stream);
    }
    try {
      assert.equal(t.socketPlace.moves, 6);
      await until(() => received.length >= sent, 3000).catch(() => undefined);
      const seen = new Set(received.map((r) => r.text));
      const missing = Array.from({ length: sent }, (_, i) => `n ${i}`).filter((n) => !seen.has(n));
      assert.ok(sent > 1000, `a real stream (${sent} datagrams)`);
      assert.deepEqual(missing, [], `${missing.length} of ${sent} datagrams lost in the moves`);
      assert.equal(received.length, sent, "none twice");
    } finally {
      p.socket.close();
      await t.close();
    }
  });

  it("receives and sends many datagrams whole and in order, and reports the peer of each", async () => {
    const { t, received } = transport();
    await t.listen();
    const p = await peer();
    try {
      assert.ok(t.localPort > 0, "bound to an ephemeral port");
      for (let i = 0; i < 200; i++) p.socket.send(`OPTIONS sip:x SIP/2.0 #${i}`, t.localPort, "127.0.0.1");
      await until(() => received.length === 200);
      assert.deepEqual(received.map((r) => r.text), Array.from({ length: 200 }, (_, i) => `OPTIONS sip:x SIP/2.0 #${i}`));
      assert.equal(received[0]?.flow.remotePort, p.port);
      assert.equal(received[0]?.flow.remoteAddress, "127.0.0.1");
      for (let i = 0; i < 200; i++) t.send(Buffer.from(`SIP/2.0 200 OK #${i}`), "127.0.0.1", p.port);
      await until(() => p.got.length === 200);
      assert.deepEqual(p.got.map((b) => b.toString()), Array.from({ length: 200 }, (_, i) => `SIP/2.0 200 OK #${i}`));
      assert.equal(t.dump().sent, 200);
      assert.equal(t.dump().received, 200);
    } finally {
      p.socket.close();
      await t.close();
    }
  });

  it("drops datagrams from sources the delegate refuses, and keep-alives, before onMessage", async () => {
    const { t, received } = transport((address) => address !== "127.0.0.9");
    await t.listen();
    const banned = createSocket("udp4");
    await new Promise<void>((r) => banned.bind(0, "127.0.0.9", () => r()));
    const p = await peer();
    try {
      banned.send("REGISTER sip:x SIP/2.0", t.localPort, "127.0.0.1");
      p.socket.send("\r\n\r\n", t.localPort, "127.0.0.1");
      p.socket.send("OPTIONS sip:x SIP/2.0", t.localPort, "127.0.0.1");
      await until(() => received.length === 1);
      await until(() => t.dump().dropped === 1);
      assert.equal(received[0]?.text, "OPTIONS sip:x SIP/2.0");
    } finally {
      banned.close();
      p.socket.close();
      await t.close();
    }
  });

  it("reports a failed send to its handler, naming the peer; other sends of the batch still go", async () => {
    const { t } = transport();
    await t.listen();
    const p = await peer();
    try {
      const errors: string[] = [];
      // Port 0 is not a destination: the kernel refuses the send.
      t.send(Buffer.from("one"), "127.0.0.1", 0, undefined, (err) => errors.push(err.message));
      t.send(Buffer.from("two"), "127.0.0.1", p.port, undefined, (err) => errors.push(`unexpected: ${err.message}`));
      await until(() => errors.length === 1 && p.got.length === 1);
      assert.match(errors[0] ?? "", /^UDP send to 127\.0\.0\.1:0 failed: /);
      assert.equal(p.got[0]?.toString(), "two");
    } finally {
      p.socket.close();
      await t.close();
    }
  });

  it("a port in use is a bind error naming it; close() frees the port for the next transport", async () => {
    const first = transport(undefined, 0, { up: 1e9, upSeconds: 1, down: 0, downSeconds: 1 });
    await first.t.listen();
    const port = first.t.localPort;
    const second = transport(undefined, port);
    await assert.rejects(second.t.listen(), new RegExp(`cannot bind UDP 127\\.0\\.0\\.1:${port}`));
    // A transport that can move its port (SO_REUSEADDR) still cannot share it with another.
    const movable = transport(undefined, port, { up: 1e9, upSeconds: 1, down: 0, downSeconds: 1 });
    await assert.rejects(movable.t.listen(), new RegExp(`cannot bind UDP 127\\.0\\.0\\.1:${port}`));
    await first.t.close();
    await first.t.close();
    const third = transport(undefined, port);
    await third.t.listen();
    assert.equal(third.t.localPort, port);
    const errors: string[] = [];
    await third.t.close();
    third.t.send(Buffer.from("late"), "127.0.0.1", 9, undefined, (err) => errors.push(err.message));
    await until(() => errors.length === 1);
    assert.match(errors[0] ?? "", /is closed/);
  });
});
