/**
 * UdpTransport with its socket thread, on real loopback sockets: datagrams in both directions
 * arrive whole and in order (batched per turn), the delegate's `allow` drops banned sources before
 * they reach `onMessage`, CRLF keep-alives are not messages, a failed send reaches its handler
 * naming the peer, a port in use is a bind error, and close() releases the port.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { UdpTransport } from "../../../src/sip/transport/udp-transport.js";
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

function transport(allow: (address: string) => boolean = () => true, port = 0) {
  const received: Array<{ text: string; flow: Flow }> = [];
  const t = new UdpTransport({
    id: "transport-udp",
    address: "127.0.0.1",
    port,
    log: nullLogger,
    delegate: { allow, onMessage: (data, flow) => received.push({ text: data.toString("latin1"), flow }) },
  });
  return { t, received };
}

describe("UdpTransport (socket thread)", () => {
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
    const first = transport();
    await first.t.listen();
    const port = first.t.localPort;
    const second = transport(undefined, port);
    await assert.rejects(second.t.listen(), new RegExp(`cannot bind UDP 127\\.0\\.0\\.1:${port}`));
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
