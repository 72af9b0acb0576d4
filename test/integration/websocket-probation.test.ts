/**
 * WebSocket connections that have not authenticated a SIP request, against the real server
 * (http.conf serving `/ws`, a `protocol=ws` transport) with the `ws` client:
 *
 * - one address may hold 10 of them; the 11th handshake is answered 503 and one NOTICE says
 *   why; another address is not affected;
 * - a connection whose REGISTER passed digest authentication no longer counts, so the address
 *   may open another, and it stays open;
 * - 30 s after connecting, the ones that never sent an authenticated request are closed by the
 *   server with 1008, each with a NOTICE saying what it sent.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";

const SERVER_IP = "127.0.0.1";
const CROWD_IP = "127.0.0.41";
const OTHER_IP = "127.0.0.42";
const PHONE = { id: "1001", password: randomPassword() };
const CAP = 10;
const TIMEOUT_MS = 30_000;

interface RawConnection {
  ws: WebSocket;
  openedAt: number;
  /** Resolves with the close code and when it came. */
  closed: Promise<{ code: number; at: number }>;
}

describe("WebSocket connections on probation until a SIP request is authenticated (real server, ws client)", () => {
  let pbx: Pbx;
  let url = "";
  const raw: RawConnection[] = [];
  const clients: SipClient[] = [];

  before(async () => {
    const udpPort = await freePort(SERVER_IP);
    const httpPort = await freePort(SERVER_IP);
    url = `ws://${SERVER_IP}:${httpPort}/ws`;
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: udpPort, endpoints: [{ id: PHONE.id, password: PHONE.password, maxContacts: 5 }], extra: "\n[transport-ws]\ntype = transport\nprotocol = ws\nbind = 0.0.0.0\n" }),
        "http.conf": `[general]\nenabled = yes\nbindaddr = ${SERVER_IP}\nbindport = ${httpPort}\n`,
      },
    });
  });

  after(async () => {
    for (const r of raw) r.ws.terminate();
    for (const c of clients) c.close();
    await pbx?.stop();
  });

  function connectRaw(localAddress: string): Promise<RawConnection> {
    const ws = new WebSocket(url, ["sip"], { localAddress });
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.once("close", (code: number) => resolve({ code, at: Date.now() })));
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        const r = { ws, openedAt: Date.now(), closed };
        raw.push(r);
        resolve(r);
      });
      ws.once("unexpected-response", (_req, res) => reject(new Error(`WebSocket handshake answered ${res.statusCode ?? 0}`)));
      ws.once("error", reject);
    });
  }

  it("the 11th unauthenticated connection from one address gets 503; an authenticated REGISTER makes room; the others are closed with 1008 after 30 s", async () => {
    const phone = await SipClient.webSocket({ url, localIp: CROWD_IP });
    clients.push(phone);
    for (let i = 1; i < CAP; i++) await connectRaw(CROWD_IP);
    await assert.rejects(connectRaw(CROWD_IP), /handshake answered 503/);
    await pbx.waitForLog(new RegExp(`WS connection from ${CROWD_IP.replace(/\./g, "\\.")} refused: it already has ${CAP} connections that have not authenticated a SIP request`), 5000);
    const other = await connectRaw(OTHER_IP);

    const reg = await phone.register({ user: PHONE.id, password: PHONE.password, expires: 300 });
    assert.equal(reg.challenge.status, 401);
    assert.equal(reg.final.status, 200, reg.final.raw);
    const late = await connectRaw(CROWD_IP);
    await assert.rejects(connectRaw(CROWD_IP), /handshake answered 503/, "back at the cap with the new one");

    const first = raw[0]!;
    const { code, at } = await first.closed;
    assert.equal(code, 1008);
    assert.ok(at - first.openedAt >= TIMEOUT_MS - 1000, `closed after ${at - first.openedAt} ms, not before the timeout`);
    assert.equal((await other.closed).code, 1008);
    await pbx.waitForLog(new RegExp(`closing WS connection from ${OTHER_IP.replace(/\./g, "\\.")}:\\d+: it sent no SIP message within 30 s of connecting`), 5000);
    assert.equal((await phone.options()).status, 200, "the authenticated connection is still open");
    late.ws.terminate();
  });
});
