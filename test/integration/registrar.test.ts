/**
 * Registrar behaviour of the real server (RFC 3261 §10, Asterisk's pjsip aor options) driven by
 * SIPp, baresip and the raw client, all on loopback. Every scenario uses its own endpoint so the
 * tests do not depend on each other's bindings.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword, type EndpointSpec } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { describeSipp, receivedStatuses, runSipp, type SippResult } from "../helpers/sipp.js";
import { SipClient, type SipMessageLite } from "../helpers/sip-client.js";
import { parseContacts, type ContactRow } from "../helpers/cli-output.js";
import { startBaresip } from "../helpers/baresip.js";
import { waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";

const endpoints = {
  ok: { id: "1001", password: randomPassword(), maxContacts: 2, removeExisting: false },
  baresip: { id: "1002", password: randomPassword(), maxContacts: 1, removeExisting: true, qualifyFrequency: 5 },
  expiry: { id: "1003", password: randomPassword(), maxContacts: 1, minimumExpiration: 1 },
  brief: { id: "1004", password: randomPassword(), maxContacts: 1, minimumExpiration: 60 },
  full: { id: "1005", password: randomPassword(), maxContacts: 2, removeExisting: false },
  restart: { id: "1006", password: randomPassword(), maxContacts: 1 },
  unregister: { id: "1007", password: randomPassword(), maxContacts: 2 },
  retrans: { id: "1008", password: randomPassword(), maxContacts: 1 },
} satisfies Record<string, EndpointSpec>;

describe("registrar (integration: real server, SIPp, baresip, raw client)", () => {
  let pbx: Pbx;
  let port: number;

  before(async () => {
    port = await freePort(SERVER_IP);
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: Object.values(endpoints) }) } });
  });
  after(async () => {
    await pbx?.stop();
  });

  const target = (): string => `${SERVER_IP}:${port}`;

  async function sipp(scenario: string, user: string, password: string, expires: number, localIp: string): Promise<SippResult> {
    const localPort = await freePort(localIp);
    return runSipp({
      scenario, target: target(), localIp, localPort, timeoutMs: 15000,
      args: ["-s", user, "-au", user, "-ap", password, "-key", "expires", String(expires), "-m", "1"],
    });
  }

  async function contacts(): Promise<ContactRow[]> {
    const r = await pbx.rx("pjsip show contacts");
    assert.equal(r.code, 0, `pjsip show contacts failed: ${r.stderr}\n${pbx.diagnostics()}`);
    return parseContacts(r.stdout);
  }

  const contactsOf = async (aor: string): Promise<ContactRow[]> => (await contacts()).filter((c) => c.aor === aor);

  function receivedResponses(r: SippResult): SipMessageLite[] {
    return r.trace.filter((e) => e.direction === "received" && e.message.isResponse).map((e) => e.message);
  }

  /** The local port sipp used, read back from the first request's Via. */
  function sippLocal(r: SippResult): string {
    const via = r.trace.find((e) => e.direction === "sent")?.message.header("via") ?? "";
    return /SIP\/2\.0\/UDP ([\d.]+:\d+)/.exec(via)?.[1] ?? "?";
  }

  it("REGISTER with correct digest credentials gets 200 echoing the Contact with its expiry", async () => {
    const ep = endpoints.ok;
    const r = await sipp("register-auth.xml", ep.id, ep.password, 3600, "127.0.0.2");
    assert.equal(r.code, 0, describeSipp(r));
    assert.deepEqual(receivedStatuses(r).filter((s) => s !== 100), [401, 200], describeSipp(r));
    const ok = receivedResponses(r).find((m) => m.status === 200);
    const local = sippLocal(r);
    const contact = ok?.headerAll("contact").find((c) => c.includes(`sip:${ep.id}@${local}`));
    assert.ok(contact, `200 lacks our contact ${local}:\n${ok?.raw}`);
    // RFC 3261 §10.3 step 8: the 200 lists the bindings, each with its expires parameter.
    const expires = Number(/;\s*expires=(\d+)/i.exec(contact)?.[1] ?? ok?.header("expires"));
    assert.ok(expires > 3500 && expires <= 3600, `expires ${expires} in: ${contact}`);
    const rows = await contactsOf(ep.id);
    assert.ok(rows.some((c) => c.uri.includes(`sip:${ep.id}@${local}`)), JSON.stringify(rows));
  });

  it("REGISTER with a wrong password is refused (never 200) and logged as 'Failed to authenticate' with the peer address", async () => {
    const ep = endpoints.ok;
    const r = await sipp("register-auth-refused.xml", ep.id, "not-" + ep.password, 3600, "127.0.0.5");
    assert.equal(r.code, 0, describeSipp(r));
    // Asterisk answers a wrong password with a fresh 401 challenge, never 403 (recorded in
    // ../shared/reference/asterisk-cli/README.md: REGISTER, 401, REGISTER with credentials, 401).
    assert.deepEqual(receivedStatuses(r).filter((s) => s !== 100), [401, 401], describeSipp(r));
    const callId = r.trace[0]?.message.header("call-id") ?? "";
    const line = await pbx.waitForLog(new RegExp(`Request 'REGISTER' from '[^']*sip:${ep.id}@[^']*' failed for '${sippLocal(r).replace(/\./g, "\\.")}' \\(callid: ${callId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) - Failed to authenticate`));
    assert.match(line, /NOTICE/);
  });

  it("REGISTER for an unknown user is challenged exactly like a known user (same 401 shape, no 404), then refused", async () => {
    const known = await sipp("register-auth-refused.xml", endpoints.ok.id, "wrong-password", 3600, "127.0.0.6");
    const unknown = await sipp("register-auth-refused.xml", "9999", "wrong-password", 3600, "127.0.0.6");
    assert.equal(unknown.code, 0, describeSipp(unknown));
    // No 404 that would reveal the account is missing: challenged, then refused with 401.
    assert.deepEqual(receivedStatuses(unknown).filter((s) => s !== 100), [401, 401], describeSipp(unknown));
    const shape = (r: SippResult): string[] => {
      const m = receivedResponses(r)[0];
      assert.ok(m, describeSipp(r));
      const names = [...m.headers.keys()].sort();
      const challenge = m.headerAll("www-authenticate").map((v) => v.replace(/(nonce|opaque)="[^"]*"/g, '$1="…"'));
      return [`${m.status} ${m.reason}`, ...names, ...challenge];
    };
    assert.deepEqual(shape(unknown), shape(known));
    assert.deepEqual(receivedStatuses(unknown), receivedStatuses(known));
  });

  it("a binding registered with Expires: 5 (minimum_expiration=1) is granted for 5 s and disappears from 'pjsip show contacts' after it expires", async () => {
    const ep = endpoints.expiry;
    const r = await sipp("register-auth.xml", ep.id, ep.password, 5, "127.0.0.2");
    assert.equal(r.code, 0, describeSipp(r));
    // RFC 3261 §10.3 step 8: the 200 lists the binding with the expiry the registrar granted.
    const ok = receivedResponses(r).find((m) => m.status === 200);
    const contact = ok?.headerAll("contact").find((c) => c.includes(`sip:${ep.id}@${sippLocal(r)}`));
    assert.equal(Number(/;\s*expires=(\d+)/i.exec(contact ?? "")?.[1]), 5, `200 Contact: ${contact}\n${ok?.raw}`);
    // Listed now (5 s is many times what one console round trip takes, even under load) …
    assert.equal((await contactsOf(ep.id)).length, 1);
    // … and gone once it expired; the generous wait only matters when the sweep never runs.
    await waitUntil(async () => (await contactsOf(ep.id)).length === 0, 30000, "the expired contact to go");
  });

  it("REGISTER with 'Contact: *' and Expires: 0 removes every binding of the AOR", async () => {
    const ep = endpoints.unregister;
    for (const ip of ["127.0.0.2", "127.0.0.3"]) {
      const r = await sipp("register-auth.xml", ep.id, ep.password, 600, ip);
      assert.equal(r.code, 0, describeSipp(r));
    }
    assert.equal((await contactsOf(ep.id)).length, 2);
    const un = await sipp("unregister-all.xml", ep.id, ep.password, 0, "127.0.0.2");
    assert.equal(un.code, 0, describeSipp(un));
    assert.deepEqual(await contactsOf(ep.id), []);
  });

  it("a third contact with max_contacts=2 and remove_existing=no is refused with 403, keeping the first two", async () => {
    const ep = endpoints.full;
    for (const ip of ["127.0.0.2", "127.0.0.3"]) {
      const r = await sipp("register-auth.xml", ep.id, ep.password, 600, ip);
      assert.equal(r.code, 0, describeSipp(r));
    }
    const third = await sipp("register-auth-refused.xml", ep.id, ep.password, 600, "127.0.0.4");
    assert.equal(third.code, 0, describeSipp(third));
    assert.equal(receivedStatuses(third).at(-1), 403, describeSipp(third));
    const rows = await contactsOf(ep.id);
    assert.equal(rows.length, 2);
    assert.ok(!rows.some((c) => c.uri.includes("127.0.0.4")), JSON.stringify(rows));
  });

  it("REGISTER with Expires: 10 below minimum_expiration=60 gets 423 with Min-Expires: 60", async () => {
    const ep = endpoints.brief;
    const r = await sipp("register-auth-423.xml", ep.id, ep.password, 10, "127.0.0.2");
    assert.equal(r.code, 0, describeSipp(r));
    const brief = receivedResponses(r).find((m) => m.status === 423);
    assert.equal(brief?.header("min-expires"), "60", brief?.raw);
    assert.deepEqual(await contactsOf(ep.id), []);
  });

  it("a retransmitted authenticated REGISTER (same datagram twice) gets an identical response and one binding", async () => {
    const ep = endpoints.retrans;
    const client = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: "127.0.0.7" });
    try {
      const first = await client.register({ user: ep.id, password: ep.password, expires: 600 });
      assert.equal(first.final.status, 200, first.final.raw);
      assert.ok(first.authenticatedRequest);
      await client.send(first.authenticatedRequest);
      const cseq = first.final.header("cseq");
      const again = await client.waitFor((m) => m.isResponse && m.header("call-id") === first.callId && m.header("cseq") === cseq, 3000, 1);
      assert.equal(again.raw, first.final.raw);
      assert.equal((await contactsOf(ep.id)).length, 1);
    } finally {
      client.close();
    }
  });

  it("bindings survive a restart with the same data directory, with their remaining expiry", async () => {
    const ep = endpoints.restart;
    const client = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: "127.0.0.8" });
    try {
      const reg = await client.register({ user: ep.id, password: ep.password, expires: 600 });
      assert.equal(reg.final.status, 200, reg.final.raw);
      pbx = await pbx.restart();
      const rows = await contactsOf(ep.id);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.ok(rows[0]?.uri.includes(`127.0.0.8:${client.localPort}`));
      // RFC 3261 §10.2.3: a REGISTER without Contact queries the current bindings.
      const query = await client.register({ user: ep.id, password: ep.password, contact: null });
      assert.equal(query.final.status, 200, query.final.raw);
      const contact = query.final.headerAll("contact").find((c) => c.includes(`127.0.0.8:${client.localPort}`));
      const left = Number(/;\s*expires=(\d+)/i.exec(contact ?? "")?.[1]);
      assert.ok(left > 0 && left <= 600, `remaining expiry ${left} in ${contact}`);
    } finally {
      client.close();
    }
  });

  it("baresip registers and shows up in 'pjsip show contacts' with its IP:port", async () => {
    const ep = endpoints.baresip;
    const phone = await startBaresip({
      ip: "127.0.0.3",
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${ep.password};regint=600`],
      maxSeconds: 60,
    });
    try {
      const row = await waitUntil(
        async () => (await contactsOf(ep.id)).find((c) => c.uri.includes(`@127.0.0.3:${phone.sipPort}`)),
        10000,
        `baresip's contact in pjsip show contacts\n${phone.log()}`,
      );
      assert.match(row.status, /^(Avail|Unknown)$/);
      assert.match(await phone.reginfo(), /OK/);
      // qualify_frequency=5: the OPTIONS ping reaches baresip, which answers, so the contact
      // becomes Avail with a round-trip time.
      const avail = await waitUntil(
        async () => (await contactsOf(ep.id)).find((c) => c.uri.includes(`@127.0.0.3:${phone.sipPort}`) && c.status === "Avail"),
        8000,
        "baresip's contact to become Avail after qualify",
      );
      assert.ok(Number(avail.rtt) >= 0, `RTT ${avail.rtt}`);
    } finally {
      await phone.stop();
    }
  });

  it("OPTIONS to the server is answered 200 with an Allow header listing REGISTER and OPTIONS", async () => {
    const client = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: "127.0.0.9" });
    try {
      const r = await client.options();
      assert.equal(r.status, 200, r.raw);
      const allow = r.headerAll("allow").join(",").split(",").map((s) => s.trim().toUpperCase());
      assert.ok(allow.includes("REGISTER") && allow.includes("OPTIONS"), r.raw);
    } finally {
      client.close();
    }
  });
});
