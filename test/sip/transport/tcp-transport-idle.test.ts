/**
 * TcpTransport's idle timeout with real sockets on loopback: a connection that sends nothing is
 * closed by the server once `idleTimeoutMs` has passed, while one that keeps sending RFC 5626
 * §4.4.1 double-CRLF keep-alives (each answered with a CRLF pong) stays open, and is closed only
 * after it falls silent. The transport is built directly with a short timeout: the server uses the
 * built-in default (10 minutes), and pjsip.conf has no option to change it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { TcpTransport } from "../../../src/sip/transport/tcp-transport.js";
import { nullLogger } from "../../../src/core/logger.js";

const IDLE_MS = 1500;

interface ClientConn {
  readonly socket: Socket;
  /** Resolves with the time the server closed the connection (end or close seen). */
  readonly closedAt: Promise<number>;
  /** Bytes the server sent (the keep-alive pongs). */
  received(): string;
}

function dial(port: number): Promise<ClientConn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    socket.setEncoding("latin1").on("data", (d: string) => (data += d));
    const closedAt = new Promise<number>((res) => {
      socket.once("end", () => res(Date.now()));
      socket.once("close", () => res(Date.now()));
    });
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closedAt, received: () => data }));
    socket.once("error", reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The time the server closed `c`, or undefined when it is still open after `limitMs`. */
async function closedWithin(c: ClientConn, limitMs: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), limitMs)));
  try {
    return await Promise.race([c.closedAt, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe("TcpTransport idle timeout (real loopback sockets)", () => {
  let transport: TcpTransport;

  before(async () => {
    transport = new TcpTransport({
      id: "transport-tcp",
      address: "127.0.0.1",
      port: 0,
      idleTimeoutMs: IDLE_MS,
      delegate: { allow: () => true, onMessage: () => undefined },
      log: nullLogger,
    });
    await transport.listen();
  });

  after(async () => {
    await transport?.close();
  });

  it("a connection that sends nothing is closed by the server after the idle timeout, not before", async () => {
    const opened = Date.now();
    const c = await dial(transport.localPort);
    try {
      // Accepted and counted first: the close below is the timeout, not a refusal.
      await sleep(100);
      assert.equal(transport.dump().connections, 1);
      const closedAt = await closedWithin(c, IDLE_MS * 10);
      assert.ok(closedAt !== undefined, `the server kept a silent connection open for ${IDLE_MS * 10} ms`);
      // A lower bound only: the timer may fire late under load, never early.
      assert.ok(closedAt - opened >= IDLE_MS * 0.9, `closed after ${closedAt - opened} ms, before the ${IDLE_MS} ms idle timeout`);
      await sleep(50);
      assert.equal(transport.dump().connections, 0, "the closed connection is still counted");
    } finally {
      c.socket.destroy();
    }
  });

  it("a connection sending double-CRLF keep-alives stays open past three idle periods, then closes once silent", async () => {
    const c = await dial(transport.localPort);
    try {
      let closed = false;
      void c.closedAt.then(() => (closed = true));
      const start = Date.now();
      let pings = 0;
      let lastPingAt = start;
      while (Date.now() - start < IDLE_MS * 3) {
        c.socket.write("\r\n\r\n");
        lastPingAt = Date.now();
        pings++;
        await sleep(IDLE_MS / 6);
        assert.equal(closed, false, `the server closed a connection that sent a keep-alive every ${IDLE_MS / 6} ms (after ${Date.now() - start} ms)`);
      }
      // RFC 5626 §4.4.1: each ping is answered with a single CRLF pong.
      assert.ok(c.received().length >= 2 * (pings - 1) && /^(\r\n)+$/.test(c.received()), `pongs: ${JSON.stringify(c.received())} for ${pings} pings`);
      assert.equal(transport.dump().connections, 1);
      const closedAt = await closedWithin(c, IDLE_MS * 10);
      assert.ok(closedAt !== undefined, "the connection stayed open after its keep-alives stopped");
      assert.ok(closedAt - lastPingAt >= IDLE_MS * 0.9, `closed ${closedAt - lastPingAt} ms after the last keep-alive`);
    } finally {
      c.socket.destroy();
    }
  });
});
