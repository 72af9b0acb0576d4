import { test } from "node:test";
import assert from "node:assert/strict";
import { Phone, bindingsOf, buildPbx, type Pbx } from "../harness.js";

/** pjsip.conf with one endpoint 6001 (auth + aor 6001); `aor` and `endpoint` lines are added to those sections. */
function conf(opts: { aor?: string[]; endpoint?: string[]; extra?: string } = {}): string {
  return `
[global]
type=global

[transport-udp]
type=transport
protocol=udp
bind=0.0.0.0

[6001]
type=endpoint
auth=6001
aors=6001
${(opts.endpoint ?? []).join("\n")}

[6001]
type=auth
username=6001
password=secret6001

[6001]
type=aor
${(opts.aor ?? ["max_contacts=1"]).join("\n")}
${opts.extra ?? ""}
`;
}

function phone(pbx: Pbx, extra: Partial<ConstructorParameters<typeof Phone>[1]> = {}): Phone {
  return new Phone(pbx, { user: "6001", password: "secret6001", ...extra });
}

test("registrar: an authenticated REGISTER → 200 with Contact ;expires=N (default_expiration) and Date", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  const res = p.registerWithAuth();
  assert.equal(res.status, 200);
  assert.deepEqual(bindingsOf(res), [{ uri: "sip:6001@198.51.100.20:5060", expires: 3600 }]);
  const date = res.headers.get("Date") ?? "";
  assert.equal(date, new Date(pbx.clock.now()).toUTCString(), "Date is RFC 1123 (§20.17), from the injected clock");
  const [rec] = pbx.store.list("6001");
  assert.ok(rec);
  assert.equal(rec.endpoint, "6001");
  assert.equal(rec.expiresAt, pbx.clock.now() + 3600_000);
  assert.equal(rec.userAgent, "TestPhone/1.0");
  assert.equal(rec.callId, p.callId);
  assert.ok(pbx.log.find("Added contact 'sip:6001@198.51.100.20:5060' to AOR '6001' with expiration of 3600 seconds"));
});

test("registrar: Expires below minimum_expiration → 423 Interval Too Brief with Min-Expires (§10.3 step 7)", () => {
  const pbx = buildPbx({ conf: conf({ aor: ["max_contacts=1", "minimum_expiration=120"] }) });
  const res = phone(pbx).registerWithAuth({ expires: 60 });
  assert.equal(res.status, 423);
  assert.equal(res.reason, "Interval Too Brief");
  assert.equal(res.headers.get("Min-Expires"), "120");
  assert.equal(pbx.store.count(), 0);
});

test("registrar: a Contact expires= parameter overrides the Expires header and is checked too", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  const res = p.registerWithAuth({ expires: 600, contacts: [`${p.defaultContact};expires=30`] });
  assert.equal(res.status, 423);
  assert.equal(res.headers.get("Min-Expires"), "60");
});

test("registrar: Expires above maximum_expiration is clamped to the maximum", () => {
  const pbx = buildPbx({ conf: conf() });
  const res = phone(pbx).registerWithAuth({ expires: 100_000 });
  assert.equal(res.status, 200);
  assert.equal(bindingsOf(res)[0]?.expires, 7200);
  assert.equal(pbx.store.list()[0]?.expiresAt, pbx.clock.now() + 7200_000);
});

test("registrar: refreshing the same Contact updates the binding in place", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ expires: 300 }).status, 200);
  const created = pbx.store.list()[0]?.createdAt;
  pbx.clock.advance(100_000);
  const res = p.registerWithAuth({ expires: 600 });
  assert.equal(res.status, 200, "max_contacts=1 is not exceeded by a refresh");
  assert.deepEqual(bindingsOf(res).map((b) => b.expires), [600]);
  assert.equal(pbx.store.count(), 1);
  assert.equal(pbx.store.list()[0]?.createdAt, created);
});

test("registrar: Expires: 0 removes the binding", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth().status, 200);
  const removed: string[] = [];
  pbx.registrar.on("removed", (_c, why) => removed.push(why));
  const res = p.registerWithAuth({ expires: 0 });
  assert.equal(res.status, 200);
  assert.deepEqual(bindingsOf(res), []);
  assert.equal(pbx.store.count(), 0);
  assert.deepEqual(removed, ["request"]);
});

test("registrar: Contact: * with Expires: 0 removes every binding of the AOR (§10.3 step 6)", () => {
  const pbx = buildPbx({ conf: conf({ aor: ["max_contacts=3"] }) });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ contacts: ["<sip:6001@198.51.100.20:5060>", "<sip:6001@198.51.100.20:5070>"] }).status, 200);
  assert.equal(pbx.store.count(), 2);
  const res = p.registerWithAuth({ contacts: ["*"], expires: 0 });
  assert.equal(res.status, 200);
  assert.deepEqual(bindingsOf(res), []);
  assert.equal(pbx.store.count(), 0);
});

test("registrar: Contact: * with a nonzero Expires (or none) → 400", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth().status, 200);
  assert.equal(p.registerWithAuth({ contacts: ["*"], expires: 3600 }).status, 400);
  assert.equal(p.registerWithAuth({ contacts: ["*"] }).status, 400);
  assert.equal(pbx.store.count(), 1, "nothing removed");
});

test("registrar: Contact: * together with another Contact → 400", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ contacts: ["*", p.defaultContact], expires: 0 }).status, 400);
});

test("registrar: max_contacts=0 → 403 and a warning that names the fix", () => {
  const pbx = buildPbx({ conf: conf({ aor: ["max_contacts=0"] }) });
  const res = phone(pbx).registerWithAuth();
  assert.equal(res.status, 403);
  const warn = pbx.log.records.find((r) => (r.level === "warn" || r.level === "notice") && r.msg.includes("max_contacts"));
  assert.ok(warn, "warning logged");
  assert.match(warn.msg, /set max_contacts=1 \(or more\) in \[6001\]/);
  assert.equal(pbx.store.count(), 0);
});

test("registrar: exceeding max_contacts with remove_existing=no → 403, existing binding kept", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth().status, 200);
  const res = p.registerWithAuth({ contacts: ["<sip:6001@198.51.100.20:5999>"] });
  assert.equal(res.status, 403);
  assert.deepEqual(pbx.store.list().map((c) => c.uri), ["sip:6001@198.51.100.20:5060"]);
  assert.ok(pbx.log.records.some((r) => (r.level === "warn" || r.level === "notice") && /exceed max contacts of 1; raise max_contacts or set remove_existing=yes/.test(r.msg)));
});

test("registrar: with remove_existing=yes the binding that would expire soonest is evicted", () => {
  const pbx = buildPbx({ conf: conf({ aor: ["max_contacts=2", "remove_existing=yes"] }) });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ contacts: ["<sip:6001@198.51.100.20:5001>"], expires: 600 }).status, 200);
  assert.equal(p.registerWithAuth({ contacts: ["<sip:6001@198.51.100.20:5002>"], expires: 300 }).status, 200);
  const removed: string[] = [];
  pbx.registrar.on("removed", (c, why) => removed.push(`${c.uri} ${why}`));
  const res = p.registerWithAuth({ contacts: ["<sip:6001@198.51.100.20:5003>"], expires: 900 });
  assert.equal(res.status, 200);
  assert.deepEqual(pbx.store.list().map((c) => c.uri).sort(), ["sip:6001@198.51.100.20:5001", "sip:6001@198.51.100.20:5003"]);
  assert.deepEqual(removed, ["sip:6001@198.51.100.20:5002 remove_existing"]);
  assert.deepEqual(bindingsOf(res).map((b) => b.uri).sort(), ["sip:6001@198.51.100.20:5001", "sip:6001@198.51.100.20:5003"]);
});

test("registrar: rewrite_contact=yes stores the packet's source ip:port instead of the Contact's", () => {
  const pbx = buildPbx({ conf: conf({ endpoint: ["rewrite_contact=yes"] }) });
  const p = phone(pbx, { ip: "203.0.113.9", port: 40555, localIp: "10.0.0.23", localPort: 5060 });
  const res = p.registerWithAuth();
  assert.equal(res.status, 200);
  const [rec] = pbx.store.list();
  assert.equal(rec?.uri, "sip:6001@203.0.113.9:40555");
  assert.equal(rec?.sourceAddress, "203.0.113.9");
  assert.equal(rec?.sourcePort, 40555);
  assert.equal(rec?.viaAddr, "10.0.0.23");
  // Unregistering with the private Contact finds the rewritten binding.
  assert.equal(p.registerWithAuth({ expires: 0 }).status, 200);
  assert.equal(pbx.store.count(), 0);
});

test("registrar: rewrite_contact=no keeps the Contact as sent", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx, { ip: "203.0.113.9", port: 40555, localIp: "10.0.0.23", localPort: 5060 });
  assert.equal(p.registerWithAuth().status, 200);
  assert.equal(pbx.store.list()[0]?.uri, "sip:6001@10.0.0.23:5060");
});

test("registrar: identify_by=auth_username finds the endpoint by the digest username → 200", () => {
  const pbx = buildPbx({
    conf: `
[alice]
type=endpoint
identify_by=auth_username
auth=alice-auth
aors=alice

[alice-auth]
type=auth
username=a1ice
password=pw-alice

[alice]
type=aor
max_contacts=1
`,
  });
  const p = new Phone(pbx, { user: "somebody-else", authUser: "a1ice", password: "pw-alice" });
  const res = p.registerWithAuth({ toUser: "alice" });
  assert.equal(res.status, 200);
  assert.equal(pbx.store.list()[0]?.endpoint, "alice");
  assert.equal(pbx.store.list()[0]?.aor, "alice");
});

test("registrar: identify by IP (match=127.0.0.5) for an endpoint without auth → 200 with no challenge", () => {
  const pbx = buildPbx({
    conf: `
[trunk]
type=endpoint
aors=trunk

[trunk]
type=aor
max_contacts=1

[trunk-identify]
type=identify
endpoint=trunk
match=127.0.0.5
`,
  });
  const p = new Phone(pbx, { user: "trunk", ip: "127.0.0.5", port: 5080 });
  const res = p.register();
  assert.equal(res.status, 200);
  assert.deepEqual(pbx.securityEvents, [], "no challenge, no auth events");
  assert.equal(pbx.store.list()[0]?.endpoint, "trunk");
  // The same request from another address is not that endpoint: the artificial endpoint challenges.
  const stranger = new Phone(pbx, { user: "trunk-x", ip: "127.0.0.6", port: 5080 });
  assert.equal(stranger.register({ toUser: "trunk" }).status, 401);
});

test("registrar: a To user that is not among the endpoint's aors → 404", () => {
  const pbx = buildPbx({ conf: conf() });
  const res = phone(pbx).registerWithAuth({ toUser: "6002" });
  assert.equal(res.status, 404);
  assert.ok(pbx.log.find("AOR '6002' not found for endpoint '6001'"));
  assert.equal(pbx.store.count(), 0);
});

test("registrar: a query REGISTER without Contact → 200 listing the current bindings (§10.3 step 8)", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ expires: 600 }).status, 200);
  pbx.clock.advance(100_000);
  const res = p.registerWithAuth({ contacts: [] });
  assert.equal(res.status, 200);
  assert.deepEqual(bindingsOf(res), [{ uri: "sip:6001@198.51.100.20:5060", expires: 500 }]);
  assert.equal(pbx.store.list()[0]?.expiresAt, pbx.clock.now() + 500_000, "the query did not refresh the binding");
});

test("registrar: a retransmitted REGISTER (same bytes) gets the same response bytes from the transaction; the store is unchanged", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  const res = p.registerWithAuth();
  assert.equal(res.status, 200);
  const answerBytes = pbx.transport.last()!.data;
  const stored = JSON.stringify(pbx.store.list());
  const events: string[] = [];
  pbx.registrar.on("added", () => events.push("added"));
  pbx.registrar.on("updated", () => events.push("updated"));
  pbx.clock.advance(1000);
  const before = pbx.transport.sent.length;
  pbx.layer.receive(p.lastBytes!, pbx.transport.flow(p.ip, p.port));
  assert.equal(pbx.transport.sent.length, before + 1);
  assert.ok(pbx.transport.last()!.data.equals(answerBytes), "identical bytes");
  assert.equal(JSON.stringify(pbx.store.list()), stored);
  assert.deepEqual(events, []);
  assert.equal(pbx.layer.stats.retransmissionsAbsorbed, 1);
});

test("registrar: an older CSeq for the same Call-ID and Contact does not overwrite a newer binding (§10.3 step 7)", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ expires: 600 }).status, 200);
  const stored = JSON.stringify(pbx.store.list());
  // The stored binding came from CSeq 2; replay the conversation from CSeq 1.
  p.cseq = 0;
  const first = p.register({ expires: 900 });
  assert.equal(first.status, 401);
  p.cseq = 0;
  const res = p.register({ expires: 900, authorization: p.answer(first, "REGISTER") });
  assert.equal(res.status, 500);
  assert.equal(JSON.stringify(pbx.store.list()), stored);
});

test("registrar: the same Call-ID with an equal CSeq (a stale copy of the request) is refused too (§10.3 step 7: 'higher')", () => {
  const pbx = buildPbx({ conf: conf() });
  const p = phone(pbx);
  assert.equal(p.registerWithAuth({ expires: 600 }).status, 200); // stored with CSeq 2
  const stored = JSON.stringify(pbx.store.list());
  const challenge = p.register({ expires: 900 });
  p.cseq = 1; // the next request carries CSeq 2 again, on a new branch
  const res = p.register({ expires: 900, authorization: p.answer(challenge, "REGISTER") });
  assert.equal(res.status, 500);
  assert.equal(JSON.stringify(pbx.store.list()), stored);
});

test("registrar: expire() removes bindings whose time is up and emits 'removed' with 'expiration'", () => {
  const pbx = buildPbx({ conf: conf() });
  assert.equal(phone(pbx).registerWithAuth({ expires: 60 }).status, 200);
  const removed: string[] = [];
  pbx.registrar.on("removed", (_c, why) => removed.push(why));
  pbx.clock.advance(59_000);
  assert.equal(pbx.registrar.expire(), 0);
  pbx.clock.advance(1_000);
  assert.equal(pbx.registrar.expire(), 1);
  assert.deepEqual(removed, ["expiration"]);
  const line = pbx.log.find("due to expiration");
  assert.equal(line?.verbose, 3);
  assert.equal(line?.ctx.asteriskSource, "res_pjsip_registrar.c", "Asterisk's source file, as for Added/Removed contact");
});
