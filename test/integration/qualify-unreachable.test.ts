/**
 * Qualify against real peers (reference/asterisk.md §1.3 `qualify_frequency`, §2.3 status labels):
 * a registered contact that answers the OPTIONS pings is Avail; once it stops answering it turns
 * Unavail in `pjsip show contacts`, `pjsip show aor` and `pjsip show endpoint`, the endpoint's
 * device state becomes Unavailable, and the change is logged as Asterisk logs it
 * ("Contact 1001/sip:… is now Unreachable"); when it answers again it is Avail again.
 *
 * Peers: a SIPp UAS that answers OPTIONS (test/fixtures/sipp/options-uas.xml), killed and
 * restarted on the same port; and a raw UDP socket that registers and then never answers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";
import { startSippBackground, type BackgroundSipp } from "../helpers/sipp.js";
import { parseContacts, type ContactRow } from "../helpers/cli-output.js";
import { waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const PHONE_IP = "127.0.0.3";
const SIPP_PHONE = { id: "1002", password: randomPassword() };
const SILENT_PHONE = { id: "1003", password: randomPassword() };

describe("qualify: a contact that stops answering OPTIONS goes Unavail (real peers)", { timeout: 120_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let registrar: SipClient;

  before(async () => {
    port = await freePort(SERVER_IP);
    // One ping a second, half a second to answer: a silent contact turns within ~2 s.
    const endpoints = [SIPP_PHONE, SILENT_PHONE].map((e) => ({ ...e, maxContacts: 1, removeExisting: true, qualifyFrequency: 1, aorOptions: { qualify_timeout: "0.5" } }));
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }) } });
    registrar = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: PHONE_IP });
  });

  after(async () => {
    registrar?.close();
    await pbx?.stop();
  });

  async function contactRows(command: string, aor: string): Promise<ContactRow[]> {
    const r = await pbx.rx(command);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return parseContacts(r.stdout).filter((c) => c.aor === aor);
  }

  /** Waits until the contact at `hostPort` shows `status` in `pjsip show contacts`. */
  async function waitStatus(aor: string, hostPort: string, status: string, timeoutMs: number): Promise<ContactRow> {
    let last: ContactRow[] = [];
    try {
      return await waitUntil(async () => {
        last = await contactRows("pjsip show contacts", aor);
        return last.find((c) => c.uri.includes(`@${hostPort}`) && c.status === status);
      }, timeoutMs, `${aor}'s contact ${hostPort} to show ${status}`, 200);
    } catch (err) {
      assert.fail(`${(err as Error).message}; last rows ${JSON.stringify(last)}\n${pbx.diagnostics()}`);
    }
  }

  async function endpointState(id: string): Promise<string | undefined> {
    const out = (await pbx.rx("pjsip show endpoints")).stdout;
    return new RegExp(`^ Endpoint:  ${id}\\S* +(\\S.*?\\S) +\\d+ of `, "m").exec(out)?.[1];
  }

  it("SIPp answering OPTIONS is Avail; killed it turns Unavail (shown and logged); restarted it is Avail again", async () => {
    const sippPort = await freePort(PHONE_IP);
    const hostPort = `${PHONE_IP}:${sippPort}`;
    const uas = (): Promise<BackgroundSipp> =>
      startSippBackground({ scenario: "options-uas.xml", localIp: PHONE_IP, localPort: sippPort, timeoutMs: 90_000, startupMs: 300 });
    let sipp: BackgroundSipp | undefined = await uas();
    try {
      const reg = await registrar.register({ user: SIPP_PHONE.id, password: SIPP_PHONE.password, contact: `<sip:${SIPP_PHONE.id}@${hostPort}>`, expires: 600 });
      assert.equal(reg.final.status, 200, reg.final.raw);

      const avail = await waitStatus(SIPP_PHONE.id, hostPort, "Avail", 15000);
      assert.match(avail.rtt, /^\d+\.\d{3}$/, `RTT of an Avail contact: ${avail.rtt}`);
      assert.equal(await endpointState(SIPP_PHONE.id), "Not in use");

      const stopped = await sipp.stop();
      sipp = undefined;
      assert.ok(stopped.trace.some((e) => e.direction === "received" && e.message.method === "OPTIONS"), "SIPp never saw an OPTIONS ping");

      const unavail = await waitStatus(SIPP_PHONE.id, hostPort, "Unavail", 15000);
      assert.equal(unavail.rtt, "nan", "an Unavail contact has no round-trip time");
      // The same status in the AOR's and the endpoint's own views.
      assert.deepEqual((await contactRows(`pjsip show aor ${SIPP_PHONE.id}`, SIPP_PHONE.id)).map((c) => c.status), ["Unavail"]);
      assert.deepEqual((await contactRows(`pjsip show endpoint ${SIPP_PHONE.id}`, SIPP_PHONE.id)).map((c) => c.status), ["Unavail"]);
      assert.equal(await endpointState(SIPP_PHONE.id), "Unavailable");
      await pbx.waitForLog(new RegExp(`Contact ${SIPP_PHONE.id}/sip:${SIPP_PHONE.id}@${hostPort.replace(/\./g, "\\.")} is now Unreachable`), 3000);

      sipp = await uas();
      await waitStatus(SIPP_PHONE.id, hostPort, "Avail", 15000);
      assert.equal(await endpointState(SIPP_PHONE.id), "Not in use");
      // Reachable is logged twice: on the first answer and again after the outage.
      const reachable = new RegExp(`Contact ${SIPP_PHONE.id}/sip:${SIPP_PHONE.id}@${hostPort.replace(/\./g, "\\.")} is now Reachable`);
      await waitUntil(() => pbx.messagesLog().split("\n").filter((l) => reachable.test(l)).length === 2, 3000, `two '${reachable.source}' lines\n${pbx.diagnostics()}`);
    } finally {
      await sipp?.stop();
    }
  });

  it("a socket that registers and never answers OPTIONS turns Unavail, and its endpoint Unavailable", async () => {
    const silent = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: PHONE_IP });
    try {
      const reg = await silent.register({ user: SILENT_PHONE.id, password: SILENT_PHONE.password, expires: 600 });
      assert.equal(reg.final.status, 200, reg.final.raw);
      const hostPort = `${PHONE_IP}:${silent.localPort}`;
      await waitStatus(SILENT_PHONE.id, hostPort, "Unavail", 15000);
      // The pings did reach the socket: it is silent, not unreachable by accident.
      const ping = silent.received.find((m) => !m.isResponse && m.method === "OPTIONS");
      assert.ok(ping, "no OPTIONS ping reached the silent contact");
      assert.match(ping.requestUri, new RegExp(`^sip:${SILENT_PHONE.id}@${hostPort.replace(/\./g, "\\.")}`));
      assert.equal(await endpointState(SILENT_PHONE.id), "Unavailable");
      await pbx.waitForLog(new RegExp(`Contact ${SILENT_PHONE.id}/sip:\\S+ is now Unreachable`), 3000);
    } finally {
      silent.close();
    }
  });
});
