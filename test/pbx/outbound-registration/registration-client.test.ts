/**
 * RegistrationClient over the real transaction layer and a fake transport, with a manual clock:
 * the REGISTER's shape, digest answers (MD5, SHA-256; checked by an independent hash here), the
 * granted lifetime and refresh, 423, 403 with and without forbidden_retry_interval, refused
 * credentials, timeouts up to max_retries, 503 Retry-After, unregistering, and one log line per
 * change.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { RegistrationClient } from "../../../src/pbx/outbound-registration/registration-client.js";
import { registrationRow } from "../../../src/pbx/outbound-registration/registration-commands.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { DEFAULT_TIMERS } from "../../../src/sip/transaction/timers.js";
import { TransportSet } from "../../../src/sip/transport/transport-set.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

const PROVIDER = "198.51.100.20";
const tick = () => new Promise<void>((r) => setImmediate(r));

function setup(options = "", auth = "username=1234567890\npassword=s3cret\n") {
  const text = `[trunk]\ntype=registration\nserver_uri=sip:${PROVIDER}\nclient_uri=sip:1234567890@${PROVIDER}\ncontact_user=1234567890\n` +
    `outbound_auth=trunk-auth\nmax_random_initial_delay=0\n${options}[trunk-auth]\ntype=auth\n${auth}`;
  const cfg = buildPjsipConfig(parseConfigText(text, "pjsip.conf"));
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error"), []);
  const reg = cfg.registrations.get("trunk");
  assert.ok(reg);
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const transport = new FakeTransport({ localAddress: "192.0.2.1", localPort: 5060 });
  const transports = new TransportSet();
  transports.add(transport);
  const layer = new TransactionLayer({ clock, log, timers: DEFAULT_TIMERS, userAgent: "test" });
  layer.setUser({ onRequest: () => undefined });
  const client = new RegistrationClient(reg, {
    transactions: layer,
    transports,
    auth: (id) => cfg.auths.get(id),
    clock,
    log,
    userAgent: () => "Switchboard-test",
    resolve: () => Promise.reject(new Error("no DNS in this test")),
  });
  const seen = new Set<string>();
  /** The REGISTERs sent since the last call (retransmissions of one counted once). */
  const sent = () => {
    const fresh: string[] = [];
    for (const p of transport.sent) {
      const cseq = /^CSeq: (.*)$/im.exec(p.text)?.[1] ?? "";
      if (!p.text.startsWith("REGISTER ") || seen.has(cseq)) continue;
      seen.add(cseq);
      fresh.push(p.text);
    }
    return fresh;
  };
  const answer = (req: string, status: string, extra: string[] = []) => {
    const head = req.split("\r\n\r\n")[0]?.split("\r\n") ?? [];
    const copied = head.filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
    const to = head.find((l) => /^To:/i.test(l)) ?? "";
    const msg = [`SIP/2.0 ${status}`, ...copied, `${to};tag=registrar`, ...extra, "Content-Length: 0", "", ""].join("\r\n");
    layer.receive(Buffer.from(msg, "latin1"), transport.flow(PROVIDER, 5060));
  };
  const close = () => {
    layer.close();
  };
  return { client, clock, log, sent, answer, close };
}

const header = (req: string, name: string): string | undefined => new RegExp(`^${name}: (.*)$`, "mi").exec(req)?.[1];
const notices = (log: CaptureLogger) => log.records.filter((r) => r.level === "notice" || r.level === "warn").map((r) => `${r.level}: ${r.msg}`);

function digestOk(authorization: string, password: string, method: string): boolean {
  const p: Record<string, string> = {};
  for (const m of authorization.replace(/^Digest /, "").matchAll(/(\w+)=(?:"([^"]*)"|([^,]+))/g)) p[m[1] ?? ""] = m[2] ?? m[3] ?? "";
  const alg = (p["algorithm"] ?? "MD5") === "SHA-256" ? "sha256" : "md5";
  const h = (s: string) => createHash(alg).update(s).digest("hex");
  const ha1 = h(`${p["username"]}:${p["realm"]}:${password}`);
  const ha2 = h(`${method}:${p["uri"]}`);
  const expected = p["qop"] ? h(`${ha1}:${p["nonce"]}:${p["nc"]}:${p["cnonce"]}:${p["qop"]}:${ha2}`) : h(`${ha1}:${p["nonce"]}:${ha2}`);
  return expected === p["response"];
}

test("outbound registration: REGISTER shape, 401 answered (MD5), 200 with our Contact's expires → Registered, refreshed 10 s before expiry with the same Call-ID", async () => {
  const t = setup();
  t.client.start();
  t.clock.advance(0);
  await tick();
  const [first] = t.sent();
  assert.ok(first);
  assert.match(first, /^REGISTER sip:198\.51\.100\.20 SIP\/2\.0\r\n/);
  assert.equal(header(first, "From")?.replace(/;tag=.*/, ""), "<sip:1234567890@198.51.100.20>");
  assert.equal(header(first, "To"), "<sip:1234567890@198.51.100.20>");
  assert.equal(header(first, "Contact"), "<sip:1234567890@192.0.2.1:5060>");
  assert.equal(header(first, "Expires"), "3600");
  assert.equal(header(first, "Authorization"), undefined);
  t.answer(first, "401 Unauthorized", ['WWW-Authenticate: Digest realm="provider", nonce="n1", qop="auth", algorithm=MD5']);
  await tick();
  const [second] = t.sent();
  assert.ok(second);
  assert.equal(header(second, "Call-ID"), header(first, "Call-ID"));
  assert.equal(Number(header(second, "CSeq")?.split(" ")[0]), Number(header(first, "CSeq")?.split(" ")[0]) + 1);
  const authz = header(second, "Authorization") ?? "";
  assert.match(authz, /username="1234567890"/);
  assert.ok(digestOk(authz, "s3cret", "REGISTER"), authz);
  t.answer(second, "200 OK", ["Contact: <sip:other@203.0.113.9>;expires=50", "Contact: <sip:1234567890@192.0.2.1:5060>;expires=120", "Expires: 3600"]);
  assert.equal(t.client.state().status, "Registered");
  assert.equal(registrationRow(t.client, t.clock.now()), ` trunk/sip:198.51.100.20${" ".repeat(31)}  trunk-auth${" ".repeat(16)}  Registered       (exp. 120s)`);
  assert.deepEqual(notices(t.log), ["notice: Registration 'trunk' (sip:1234567890@198.51.100.20 at sip:198.51.100.20) is now Registered: 200 OK from sip:198.51.100.20; expires in 120 s"]);
  t.clock.advance(109_000);
  await tick();
  assert.equal(t.sent().length, 0, "not yet");
  t.clock.advance(1000);
  await tick();
  const [refresh] = t.sent();
  assert.ok(refresh, "refreshed at 110 s");
  assert.equal(header(refresh, "Call-ID"), header(first, "Call-ID"));
  assert.equal(header(refresh, "Authorization"), undefined, "a refresh gets its own challenge");
  t.answer(refresh, "200 OK", ["Contact: <sip:1234567890@192.0.2.1:5060>;expires=120"]);
  assert.equal(notices(t.log).length, 1, "a refresh that changes nothing logs no NOTICE");
  t.close();
});

test("outbound registration: a SHA-256 challenge (407) is answered with Proxy-Authorization; a 423 is asked again with Min-Expires", async () => {
  const t = setup("expiration=60\n");
  t.client.start(true);
  t.clock.advance(0);
  await tick();
  const [first] = t.sent();
  assert.ok(first);
  t.answer(first, "423 Interval Too Brief", ["Min-Expires: 600"]);
  await tick();
  const [second] = t.sent();
  assert.ok(second);
  assert.equal(header(second, "Expires"), "600");
  t.answer(second, "407 Proxy Authentication Required", ['Proxy-Authenticate: Digest realm="provider", nonce="n2", qop="auth", algorithm=SHA-256', 'Proxy-Authenticate: Digest realm="provider", nonce="n3", qop="auth", algorithm=MD5']);
  await tick();
  const [third] = t.sent();
  assert.ok(third);
  const authz = header(third, "Proxy-Authorization") ?? "";
  assert.match(authz, /algorithm=SHA-256/);
  assert.ok(digestOk(authz, "s3cret", "REGISTER"), authz);
  assert.equal(header(third, "Expires"), "600");
  t.answer(third, "200 OK", ["Expires: 600"]);
  assert.equal(t.client.state().status, "Registered");
  t.close();
});

test("outbound registration: credentials refused again → Rejected for good with auth_rejection_permanent=yes, one WARNING naming the auth", async () => {
  const t = setup();
  t.client.start(true);
  t.clock.advance(0);
  await tick();
  const chal = ['WWW-Authenticate: Digest realm="provider", nonce="n1", qop="auth"'];
  t.answer(t.sent()[0] ?? "", "401 Unauthorized", chal);
  await tick();
  t.answer(t.sent()[0] ?? "", "401 Unauthorized", chal);
  await tick();
  assert.equal(t.client.state().status, "Rejected");
  assert.deepEqual(notices(t.log), [
    "warn: Registration 'trunk' (sip:1234567890@198.51.100.20 at sip:198.51.100.20) is now Rejected: the registrar refused our credentials (401 Unauthorized again after auth 'trunk-auth' answered its challenge): check username and password in auth 'trunk-auth'; not retrying (auth_rejection_permanent=yes): fix it, then run 'pjsip send register trunk' to try again",
  ]);
  t.clock.advance(3600_000);
  await tick();
  assert.equal(t.sent().length, 0, "no retry");
  t.close();
});

test("outbound registration: a stale=true challenge after credentials is answered with the new nonce, not a refusal", async () => {
  const t = setup();
  t.client.start(true);
  t.clock.advance(0);
  await tick();
  t.answer(t.sent()[0] ?? "", "401 Unauthorized", ['WWW-Authenticate: Digest realm="provider", nonce="n1"']);
  await tick();
  t.answer(t.sent()[0] ?? "", "401 Unauthorized", ['WWW-Authenticate: Digest realm="provider", nonce="n2", stale=true']);
  await tick();
  const [third] = t.sent();
  assert.match(header(third ?? "", "Authorization") ?? "", /nonce="n2"/);
  assert.ok(digestOk(header(third ?? "", "Authorization") ?? "", "s3cret", "REGISTER"));
  t.close();
});

test("outbound registration: 403 retried after forbidden_retry_interval, or stopped when it is 0", async () => {
  const retrying = setup("forbidden_retry_interval=600\n");
  retrying.client.start(true);
  retrying.clock.advance(0);
  await tick();
  retrying.answer(retrying.sent()[0] ?? "", "403 Forbidden");
  assert.equal(retrying.client.state().status, "Rejected");
  assert.match(notices(retrying.log)[0] ?? "", /Rejected: 403 Forbidden from the provider: check username and password in auth 'trunk-auth' and client_uri sip:1234567890@198\.51\.100\.20; retrying in 600 s \(forbidden_retry_interval, retry 1 of max_retries=10\)$/);
  retrying.clock.advance(599_000);
  await tick();
  assert.equal(retrying.sent().length, 0);
  retrying.clock.advance(1000);
  await tick();
  assert.equal(retrying.sent().length, 1);
  retrying.close();

  const stopped = setup();
  stopped.client.start(true);
  stopped.clock.advance(0);
  await tick();
  stopped.answer(stopped.sent()[0] ?? "", "403 Forbidden");
  assert.match(notices(stopped.log)[0] ?? "", /^warn: .*Rejected: 403 Forbidden .*; not retrying \(forbidden_retry_interval=0\)/);
  stopped.clock.advance(3600_000);
  await tick();
  assert.equal(stopped.sent().length, 0);
  stopped.close();
});

test("outbound registration: no answer → retried every retry_interval, one NOTICE for the run of failures, stopped after max_retries", async () => {
  const t = setup("retry_interval=30\nmax_retries=2\n");
  t.client.start(true);
  t.clock.advance(0);
  await tick();
  assert.equal(t.sent().length, 1);
  t.clock.advance(32_000); // Timer F (64·T1)
  await tick();
  assert.equal(t.client.state().status, "Rejected");
  t.clock.advance(30_000);
  await tick();
  assert.equal(t.sent().length, 1, "first retry");
  t.clock.advance(32_000 + 30_000);
  await tick();
  assert.equal(t.sent().length, 1, "second retry");
  t.clock.advance(32_000);
  await tick();
  t.clock.advance(600_000);
  await tick();
  assert.equal(t.sent().length, 0, "max_retries=2 reached");
  const lines = notices(t.log);
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0] ?? "", /^notice: .*Rejected: no answer from UDP:198\.51\.100\.20:5060; retrying in 30 s \(retry_interval, retry 1 of max_retries=2\)$/);
  assert.match(lines[1] ?? "", /^warn: .*stopped after 2 retries in a row \(max_retries=2\): run 'pjsip send register trunk' to try again$/);
  t.close();
});

test("outbound registration: 503 with Retry-After waits that long; unregister sends Expires 0 and ends Unregistered", async () => {
  const t = setup();
  t.client.start(true);
  t.clock.advance(0);
  await tick();
  t.answer(t.sent()[0] ?? "", "503 Service Unavailable", ["Retry-After: 5"]);
  assert.match(notices(t.log)[0] ?? "", /retrying in 5 s \(Retry-After, retry 1 of max_retries=10\)$/);
  t.clock.advance(5000);
  await tick();
  const [again] = t.sent();
  assert.ok(again);
  t.answer(again, "200 OK", ["Expires: 3600"]);
  assert.equal(t.client.state().status, "Registered");
  const done = t.client.unregister();
  await tick();
  const [unreg] = t.sent();
  assert.ok(unreg);
  assert.equal(header(unreg, "Expires"), "0");
  assert.equal(header(unreg, "Contact"), "<sip:1234567890@192.0.2.1:5060>;expires=0");
  t.answer(unreg, "401 Unauthorized", ['WWW-Authenticate: Digest realm="provider", nonce="n9"']);
  await tick();
  const [authed] = t.sent();
  assert.ok(authed && header(authed, "Authorization"), "the unregister answers its challenge too");
  t.answer(authed, "200 OK");
  await done;
  assert.equal(t.client.state().status, "Unregistered");
  t.clock.advance(7200_000);
  await tick();
  assert.equal(t.sent().length, 0, "no REGISTER after unregister");
  t.close();
});

test("outbound registration: a challenge without outbound_auth is a permanent refusal that says what to add", async () => {
  const bare = buildPjsipConfig(parseConfigText(`[trunk]\ntype=registration\nserver_uri=sip:${PROVIDER}\nclient_uri=sip:1@${PROVIDER}\nmax_random_initial_delay=0\n`, "pjsip.conf")).registrations.get("trunk");
  assert.ok(bare);
  const log = new CaptureLogger();
  const clock = new FakeClock();
  const transport = new FakeTransport({ localAddress: "192.0.2.1" });
  const transports = new TransportSet();
  transports.add(transport);
  const layer = new TransactionLayer({ clock, log, timers: DEFAULT_TIMERS, userAgent: "test" });
  layer.setUser({ onRequest: () => undefined });
  const client = new RegistrationClient(bare, { transactions: layer, transports, auth: () => undefined, clock, log, userAgent: () => "x", resolve: () => Promise.reject(new Error("none")) });
  client.start(true);
  clock.advance(0);
  await tick();
  const req = transport.sent[0]?.text ?? "";
  assert.equal(header(req, "Contact"), "<sip:s@192.0.2.1:5060>", "contact_user defaults to s");
  const head = req.split("\r\n\r\n")[0]?.split("\r\n") ?? [];
  const msg = ["SIP/2.0 401 Unauthorized", ...head.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l)), 'WWW-Authenticate: Digest realm="provider", nonce="n"', "Content-Length: 0", "", ""].join("\r\n");
  layer.receive(Buffer.from(msg, "latin1"), transport.flow(PROVIDER, 5060));
  assert.equal(client.state().status, "Rejected");
  assert.match(notices(log)[0] ?? "", /has no outbound_auth=; add an auth section with the provider's username and password and name it in outbound_auth; not retrying/);
  layer.close();
});
