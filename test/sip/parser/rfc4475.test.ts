/**
 * The parser against the torture messages of RFC 4475 themselves (test/fixtures/sip/rfc4475/,
 * provenance in its README). Each row says what the RFC says about the message: the §3.1.1
 * messages are valid and must parse to the right values; the §3.1.2 ones are invalid and are
 * refused here when the defect is in the framing or in a header the parser checks, or parse and
 * are refused by the layer that reads the broken value (rfc4475-layer.test.ts and
 * test/pbx/pipeline/rfc4475.test.ts hold those answers); §3.2 to §3.4 are valid syntax whose
 * handling is up to the application.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  parseContactList,
  parseMessage,
  parseUri,
  parseVia,
  serializeMessage,
  unescapeUser,
} from "../../../src/sip/parser/index.js";
import { callId, cseq, fromHeader, tagOf, toHeader, topVia } from "../../helpers/sip-accessors.js";
import type { SipMessage, SipRequest, SipResponse } from "../../../src/sip/message/message.js";

const DIR = fileURLToPath(new URL("../../fixtures/sip/rfc4475/", import.meta.url));

function load(name: string): Buffer {
  return readFileSync(`${DIR}${name}.sip`);
}

function request(m: SipMessage): SipRequest {
  assert.equal(m.kind, "request");
  return m;
}

function response(m: SipMessage): SipResponse {
  assert.equal(m.kind, "response");
  return m;
}

/** Parses, and checks that serialize → parse gives the same message (minus an added Content-Length). */
function parsed(name: string): SipMessage {
  const r = parseMessage(load(name));
  if (!r.ok) assert.fail(`${name}: ${r.reason}`);
  const again = parseMessage(serializeMessage(r.message));
  if (!again.ok) assert.fail(`${name} after serialize: ${again.reason}`);
  const strip = (m: SipMessage): SipMessage => {
    const c = Object.assign(Object.create(Object.getPrototypeOf(m) as object) as SipMessage, m);
    c.headers = m.headers.clone().delete("Content-Length");
    return c;
  };
  assert.deepEqual(strip(again.message), strip(r.message), `${name} survives serialize → parse`);
  return r.message;
}

/** The members of RFC 4475 Appendix A that these files are byte for byte (README.md). */
const ARCHIVE_SHA256: Record<string, string> = {
  wsinv: "d6f6cdee99cd0a1f8e3d9a0fdd67c877700e19ab86d8186dada06f61260e3e61",
  intmeth: "b957a8292c1c0a9851fe94705b90f94320738f43aacde64998e401f742ef688d",
  esc01: "be3a316d4ce5f69cad474646191e390dd4b50fc8371e44b5197fe1237781973e",
  escnull: "263fe2ecd12a5ccbb6c67b3174e9211d11da9b600e7d69666a86d2ee42873e90",
  esc02: "9a9c59449f00327b02071feafc8e5c2a261c98c818044167894cc17809a12199",
  lwsdisp: "d1b36b6316c12824f6f04bf6b1fd1f021cade9b74871693b9c3474cd9fa7f4e6",
  longreq: "185739292bc676760e5b1cca77c87705aa570240171c506ad76f8c35af0ecdaa",
  dblreq: "a6be48426565c2a705389c4ce2ea17e57b891cb13f80490a2cb9392c797b46ef",
  semiuri: "87bbaed6b4b354dbd3c5c7a20e66686303c63e43a0aa19b89de1ac75231611a2",
  transports: "33b4553a3b9418121b099ff07882535151edd6a1e81898c63a916aad2cbf90bc",
  mpart01: "92147c8e24997bac59629e1b163767697d0d6d499af87f89e325d69968bec3ba",
  unreason: "4f939d6ebf4817eea70f011d3209e83732872ffc20ffd304b244084dc392f4d7",
  noreason: "07e11e470a69fffa3674de805e5165d1351a9439a91045ee70c9570ea24ab4fe",
};

/** §3.1.1 Valid Messages: "parsers must accept", with the values a parser must find. */
const VALID: Record<string, [section: string, check: (m: SipMessage) => void]> = {
  wsinv: ["3.1.1.1", (m) => {
    const req = request(m);
    assert.equal(req.method, "INVITE");
    assert.equal(parseUri(req.uri)?.params.get("unknownparam"), null, "unknown Request-URI parameter without a value");
    // "integer fields (Max-Forwards and CSeq) with leading zeros"
    assert.equal(m.headers.get("Max-Forwards"), "0068");
    assert.deepEqual(cseq(m), { seq: 9, method: "INVITE" });
    assert.equal(tagOf(toHeader(m)), "1918181833n");
    assert.equal(toHeader(m)?.uri.user, "vivekg");
    assert.equal(fromHeader(m)?.displayName, 'J Rosenberg \\"');
    assert.equal(tagOf(fromHeader(m)), "98asjd8");
    // "both comma separated and separately listed header field values", short and long form.
    const vias = m.headers.getAll("Via").map(parseVia);
    assert.deepEqual(vias.map((v) => [v?.transport, v?.host, v?.params.get("branch")]), [
      ["UDP", "192.0.2.2", "390skdjuw"],
      ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    assert.equal(m.headers.get("Subject"), "", "an empty subject");
    assert.equal(m.headers.get("NewFangledHeader"), "newfangled value continued newfangled value");
    // "it must parse it as a header value": kept as text, not as parameters.
    assert.equal(m.headers.get("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
    const contact = parseContactList(m.headers.getAll("Contact"));
    assert.ok(contact && !contact.star);
    assert.equal(contact.contacts[0]?.displayName, 'Quoted string ""');
    assert.equal(contact.contacts[0]?.params.get("newparam"), "newvalue");
    assert.equal(contact.contacts[0]?.params.get("secondparam"), null, "a header parameter with no value");
    assert.equal(contact.contacts[0]?.params.get("q"), "0.33");
    assert.equal(m.body.length, 150);
  }],
  intmeth: ["3.1.1.2", (m) => {
    const req = request(m);
    assert.equal(req.method, "!interesting-Method0123456789_*+`.%indeed'~", "% is no escape in a method");
    const ruri = parseUri(req.uri);
    assert.equal(ruri?.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(ruri?.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(ruri?.host, "example.com");
    assert.equal(ruri?.params.size, 0);
    assert.equal(ruri?.headers.size, 0);
    assert.equal(topVia(m)?.params.get("branch"), "z9hG4bK-.!%66*_+`'~", "all non-alphanum token characters");
    // "quoted-pair expansions, including a quoted NULL character"
    assert.equal(toHeader(m)?.displayName, "BEL:\u0007 NUL:\u0000 DEL:\u007f");
    assert.equal(toHeader(m)?.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    const from = fromHeader(m);
    assert.equal(from?.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from?.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(tagOf(from), "_token~1'+`*%!-.");
    assert.equal(callId(m), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", '" starts no quoted string in a Call-ID');
    assert.deepEqual(cseq(m), { seq: 139122385, method: req.method });
    assert.equal(m.headers.get("Max-Forwards"), "255");
    // A UTF8-NONASCII value that starts with U+FEFF, which String.prototype.trim would eat.
    assert.equal(m.headers.get("extensionHeader-!.%*+_`'~"), "\ufeff大停電");
  }],
  esc01: ["3.1.1.3", (m) => {
    const ruri = parseUri(request(m).uri);
    assert.equal(ruri?.host, "example.net");
    assert.equal(unescapeUser(ruri?.user ?? ""), "sips:user@example.com");
    assert.equal(unescapeUser(toHeader(m)?.uri.user ?? ""), "user");
    assert.equal(unescapeUser(fromHeader(m)?.uri.user ?? ""), "I have spaces");
    assert.equal(m.headers.get("Content-Type"), "application/sdp", "compact form c:");
    const contact = parseContactList(m.headers.getAll("Contact"));
    assert.ok(contact && !contact.star);
    const uri = contact.contacts[0]?.uri;
    assert.equal(unescapeUser(uri?.user ?? ""), "caller");
    // Escaped parameter names and values, unescaped once: "value%41" is NOT "valueA".
    const params = [...(uri?.params ?? new Map<string, string | null>())].map(([k, v]) => [unescapeUser(k), v === null ? null : unescapeUser(v)]);
    assert.deepEqual(params, [["lr", null], ["name", "value%41"]]);
  }],
  escnull: ["3.1.1.4", (m) => {
    assert.equal(request(m).method, "REGISTER");
    // "take special care when unescaping the AOR ... so as to not prematurely shorten the username"
    assert.equal(unescapeUser(toHeader(m)?.uri.user ?? ""), "null-\u0000-null");
    assert.equal(unescapeUser(fromHeader(m)?.uri.user ?? ""), "null-\u0000-null");
    const contact = parseContactList(m.headers.getAll("Contact"));
    assert.ok(contact && !contact.star);
    assert.deepEqual(contact.contacts.map((c) => unescapeUser(c.uri.user ?? "")), ["\u0000", "\u0000\u0000"], "two distinct contacts");
    assert.equal(m.headers.get("Content-Length"), "0");
  }],
  esc02: ["3.1.1.5", (m) => {
    assert.equal(request(m).method, "RE%47IST%45R", "an unknown method, not REGISTER");
    assert.equal(cseq(m)?.method, "RE%47IST%45R");
    assert.equal(toHeader(m)?.displayName, "%Z%45");
    assert.equal(fromHeader(m)?.displayName, "%Z%45");
    assert.equal(topVia(m)?.params.get("branch"), "z9hG4bK209%fzsnel234");
    // "two Contact header field values, not three": C%6Fntact is another header.
    const contact = parseContactList(m.headers.getAll("Contact"));
    assert.ok(contact && !contact.star);
    assert.deepEqual(contact.contacts.map((c) => c.uri.user), ["alias1", "alias3"]);
    assert.equal(m.headers.get("C%6Fntact"), "<sip:alias2@host2.example.com>");
  }],
  lwsdisp: ["3.1.1.6", (m) => {
    assert.equal(fromHeader(m)?.displayName, "caller", "no LWS between the display name and <");
    assert.equal(fromHeader(m)?.uri.user, "caller");
    assert.equal(tagOf(fromHeader(m)), "323");
  }],
  longreq: ["3.1.1.7", (m) => {
    const to = toHeader(m);
    assert.equal(to?.displayName, `I have a user name of ${"extreme".repeat(10)} proportion`);
    assert.equal(to?.uri.port, 6000);
    assert.equal(to?.uri.params.get("unknownparam1"), `very${"long".repeat(20)}value`);
    assert.equal(to?.uri.params.get(`longparam${"name".repeat(25)}`), "shortvalue");
    assert.equal(to?.uri.params.get(`very${"long".repeat(25)}parameternamewithnovalue`), null);
    const from = fromHeader(m);
    assert.equal(from?.uri.user, "amazinglylongcallername".repeat(5));
    assert.equal(tagOf(from), `12${"982".repeat(50)}424`);
    assert.equal(from?.params.get(`unknownheaderparam${"name".repeat(20)}`), `unknowheaderparam${"value".repeat(15)}`);
    assert.equal(from?.params.get(`unknownvaluelessparamname${"paramname".repeat(9)}`), null);
    assert.equal(callId(m), `longreq.one${"really".repeat(20)}longcallid`);
    // 34 Via values in all spellings, with space before the colon; the last one carries the branch.
    const vias = m.headers.getAll("Via").map(parseVia);
    assert.equal(vias.length, 34);
    assert.deepEqual(vias.slice(0, 33).map((v) => v?.host), Array.from({ length: 33 }, (_, i) => `sip${33 - i}.example.com`));
    assert.equal(vias[33]?.params.get("received"), "192.0.2.5");
    assert.equal(vias[33]?.params.get("branch"), `very${"long".repeat(50)}branchvalue`);
    const l = "long".repeat(20);
    assert.equal(m.headers.get(`Unknown-${"Long".repeat(20)}-Name`), `unknown-${l}-value; unknown-${l}-parameter-name = unknown-${l}-parameter-value`);
    assert.equal(m.body.length, 150);
  }],
  dblreq: ["3.1.1.8", (m) => {
    // "(per section 18.3 of [RFC3261]) they are just spurious noise that must be ignored."
    assert.equal(request(m).method, "REGISTER");
    assert.equal(callId(m), "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
    assert.equal(m.body.length, 0);
    assert.equal(m.headers.getAll("Via").length, 1);
    assert.equal(serializeMessage(m).includes("INVITE"), false, "the INVITE octets do not come back out");
  }],
  semiuri: ["3.1.1.9", (m) => {
    // "The Request-URI will parse so that the user part is "user;par=u@example.net"."
    const ruri = parseUri(request(m).uri);
    assert.equal(unescapeUser(ruri?.user ?? ""), "user;par=u@example.net");
    assert.equal(ruri?.host, "example.com");
    assert.equal(ruri?.params.size, 0);
    assert.deepEqual(m.headers.getAll("Accept"), ["application/sdp", "application/pkcs7-mime", "multipart/mixed", "multipart/signed", "message/sip", "message/sipfrag"]);
  }],
  transports: ["3.1.1.10", (m) => {
    assert.deepEqual(m.headers.getAll("Via").map((v) => parseVia(v)?.transport), ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    assert.equal(callId(m), "transports.kijh4akdnaqjkwendsasfdj");
  }],
  mpart01: ["3.1.1.11", (m) => {
    // "Receivers must take care to frame the received message properly": the body is exactly the
    // 553 octets, NULs and bare LFs of the binary part included.
    assert.equal(request(m).method, "MESSAGE");
    assert.equal(m.body.length, 553);
    assert.ok(m.body.includes(0x00), "the binary part holds NUL octets");
    assert.ok(m.body.toString("latin1").endsWith("--7a9cbec02ceef655--\r\n"));
    assert.equal(topVia(m)?.params.get("rport"), null);
    assert.equal(topVia(m)?.port, 5070);
    assert.equal(m.headers.get("Content-Type"), "multipart/mixed;boundary=7a9cbec02ceef655");
  }],
  unreason: ["3.1.1.12", (m) => {
    const res = response(m);
    assert.equal(res.status, 200);
    assert.equal(res.reason, "= 2**3 * 5**2 но сто девяносто девять - простое");
    assert.equal(m.body.length, 154);
  }],
  noreason: ["3.1.1.13", (m) => {
    const res = response(m);
    assert.equal(res.status, 100);
    assert.equal(res.reason, "", "the SP after the code is there, the phrase is empty");
    assert.equal(tagOf(toHeader(m)), "902jndnke3");
  }],
};

/**
 * Refused by the parser, with the reason it gives; every one still hands back the headers it
 * read, so a request with Via, From, To, Call-ID and CSeq readable gets its 400 (or 505).
 */
const REFUSED: Record<string, [section: string, reason: RegExp, what: string]> = {
  clerr: ["3.1.2.2", /^Content-Length larger than body$/, "over UDP: 400"],
  ncl: ["3.1.2.3", /^invalid Content-Length$/, "a negative Content-Length"],
  scalar02: ["3.1.2.4", /^invalid CSeq$/, "400 due to the CSeq error"],
  scalarlg: ["3.1.2.5", /^invalid CSeq$/, "a response: discarded"],
  quotbal: ["3.1.2.6", /^unterminated quoted string in To header$/, "400"],
  ltgtruri: ["3.1.2.7", /^invalid Request-URI$/, "400"],
  lwsruri: ["3.1.2.8", /^whitespace in Request-URI$/, "400"],
  lwsstart: ["3.1.2.9", /^whitespace in Request-URI$/, "acceptable to reject"],
  trws: ["3.1.2.10", /^malformed request line$/, "acceptable to reject"],
  badvers: ["3.1.2.16", /^unsupported SIP version$/, "505"],
  mismatch01: ["3.1.2.17", /^CSeq method does not match request method$/, "400"],
  // "A 400 Bad Request is also acceptable": the CSeq mismatch is found before the method is read.
  mismatch02: ["3.1.2.18", /^CSeq method does not match request method$/, "400 (501 preferred)"],
  bigcode: ["3.1.2.19", /^malformed status code$/, "a response: dropped"],
  insuf: ["3.3.1", /^missing From header$/, "no Call-ID, From or To: nothing to address a 400 to"],
  multi01: ["3.3.8", /^multiple CSeq headers$/, "400"],
  mcl01: ["3.3.9", /^conflicting Content-Length headers$/, "an error; the body cannot be framed"],
};

/**
 * Syntactically parseable; the RFC's answer comes from the layer that reads the broken value,
 * and the check says what that layer finds.
 */
const PARSED: Record<string, [section: string, check: (m: SipMessage) => void]> = {
  badinv01: ["3.1.2.1", (m) => {
    // 400 from the transaction layer: its top Via cannot be read.
    assert.equal(parseVia(m.headers.getAll("Via")[0] ?? ""), undefined);
    assert.equal(parseContactList(m.headers.getAll("Contact")), undefined);
  }],
  escruri: ["3.1.2.11", (m) => {
    // Accepted as the RFC allows ("could choose to be liberal ... and ignore the escaped headers").
    const ruri = parseUri(request(m).uri);
    assert.equal(ruri?.user, "user");
    assert.equal(ruri?.headers.get("Route"), "%3Csip:example.com%3E");
  }],
  baddate: ["3.1.2.12", (m) => {
    // Nothing here reads Date, so it is not refused ("shouldn't do that unless the contents of the
    // Date header field were actually important to its processing").
    assert.equal(m.headers.get("Date"), "Fri, 01 Jan 2010 16:00:00 EST");
  }],
  regbadct: ["3.1.2.13", (m) => {
    // An addr-spec Contact with a header: no liberal guess at the brackets.
    assert.equal(parseContactList(m.headers.getAll("Contact")), undefined);
  }],
  badaspec: ["3.1.2.14", (m) => {
    // 400 from the sanity stage: spaces inside <>.
    assert.equal(toHeader(m), undefined);
    assert.equal(fromHeader(m)?.displayName, "Bell, Alexander");
  }],
  baddn: ["3.1.2.15", (m) => {
    // 400 from the sanity stage: unquoted display names with ",".
    assert.equal(fromHeader(m), undefined);
    assert.equal(toHeader(m), undefined);
  }],
  badbranch: ["3.2.1", (m) => {
    // The transaction layer matches it the RFC 2543 way.
    assert.equal(topVia(m)?.params.get("branch"), "z9hG4bK");
  }],
  unkscm: ["3.3.2", (m) => {
    assert.deepEqual(parseUri(request(m).uri), { scheme: "nobodyknowsthisscheme", user: "totallyopaquecontent", host: "", params: new Map(), headers: new Map() });
  }],
  novelsc: ["3.3.3", (m) => {
    assert.equal(parseUri(request(m).uri)?.scheme, "soap.beep");
  }],
  unksm2: ["3.3.4", (m) => {
    assert.equal(toHeader(m)?.uri.scheme, "isbn");
    assert.equal(fromHeader(m)?.uri.scheme, "http");
    const contact = parseContactList(m.headers.getAll("Contact"));
    assert.equal(contact && !contact.star ? contact.contacts[0]?.uri.scheme : undefined, "name");
  }],
  bext01: ["3.3.5", (m) => {
    assert.deepEqual(m.headers.getAll("Require"), ["nothingSupportsThis", "nothingSupportsThisEither"]);
    assert.deepEqual(m.headers.getAll("Proxy-Require"), ["noProxiesSupportThis", "norDoAnyProxiesSupportThis"]);
  }],
  invut: ["3.3.6", (m) => {
    assert.equal(m.headers.get("Content-Type"), "application/unknownformat");
    assert.equal(m.body.length, 40);
  }],
  regaut01: ["3.3.7", (m) => {
    assert.equal(m.headers.get("Authorization"), "NoOneKnowsThisScheme opaque-data=here");
  }],
  bcast: ["3.3.10", (m) => {
    assert.equal(parseVia(m.headers.getAll("Via")[1] ?? "")?.host, "255.255.255.255");
  }],
  zeromf: ["3.3.11", (m) => {
    assert.equal(m.headers.get("Max-Forwards"), "0");
  }],
  cparam01: ["3.3.12", (m) => {
    // Outside <>, ";unknownparam" is a contact parameter, not a URI parameter.
    const c = parseContactList(m.headers.getAll("Contact"));
    assert.ok(c && !c.star);
    assert.equal(c.contacts[0]?.params.get("unknownparam"), null);
    assert.equal(c.contacts[0]?.uri.params.size, 0);
  }],
  cparam02: ["3.3.13", (m) => {
    // Inside <>, it is a URI parameter.
    const c = parseContactList(m.headers.getAll("Contact"));
    assert.ok(c && !c.star);
    assert.equal(c.contacts[0]?.uri.params.get("unknownparam"), null);
    assert.equal(c.contacts[0]?.params.size, 0);
  }],
  regescrt: ["3.3.14", (m) => {
    const c = parseContactList(m.headers.getAll("Contact"));
    assert.ok(c && !c.star);
    assert.equal(c.contacts[0]?.uri.headers.get("Route"), "%3Csip:sip.example.com%3E");
  }],
  sdp01: ["3.3.15", (m) => {
    assert.equal(m.headers.get("Accept"), "text/nobodyKnowsThis");
  }],
  inv2543: ["3.4.1", (m) => {
    // No branch, no From tag, no Content-Length (the body is the rest of the datagram), no Max-Forwards.
    assert.equal(topVia(m)?.params.has("branch"), false);
    assert.equal(tagOf(fromHeader(m)), undefined);
    assert.equal(m.headers.get("Max-Forwards"), undefined);
    assert.ok(m.body.toString().startsWith("v=0\r\n"));
    assert.ok(m.body.toString().endsWith("m=audio 49217 RTP/AVP 0\r\n"));
  }],
};

test("rfc4475: every message of the RFC has a file and every file an expectation", () => {
  const files = readdirSync(DIR).filter((n) => n.endsWith(".sip")).map((n) => n.slice(0, -4)).sort();
  const expected = [...Object.keys(VALID), ...Object.keys(REFUSED), ...Object.keys(PARSED)].sort();
  assert.deepEqual(files, expected);
  assert.equal(files.length, 49);
});

test("rfc4475: the §3.1.1 files are the RFC archive's members byte for byte (CRLF kept)", () => {
  for (const [name, sha] of Object.entries(ARCHIVE_SHA256)) {
    assert.equal(createHash("sha256").update(load(name)).digest("hex"), sha, name);
  }
  assert.deepEqual(Object.keys(ARCHIVE_SHA256).sort(), Object.keys(VALID).sort());
});

for (const [name, [section, check]] of Object.entries(VALID)) {
  test(`rfc4475 §${section} ${name}: a valid message parses with the values the RFC describes`, () => check(parsed(name)));
}

for (const [name, [section, reason, what]] of Object.entries(REFUSED)) {
  test(`rfc4475 §${section} ${name}: refused (${what})`, () => {
    const r = parseMessage(load(name));
    if (r.ok) assert.fail(`${name} was accepted`);
    assert.match(r.reason, reason);
    assert.ok(r.headers, "the headers read so far come back");
  });
}

for (const [name, [section, check]] of Object.entries(PARSED)) {
  test(`rfc4475 §${section} ${name}: parses; the defect is left to the layer that reads it`, () => check(parsed(name)));
}
