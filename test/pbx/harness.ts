/**
 * A PBX request path wired the way src/server.ts wires it — TransactionLayer → RequestPipeline
 * (sanity → identify → authenticate → dispatch) → Registrar with a MemoryContactStore — over a
 * FakeTransport and a FakeClock, plus a scripted phone that speaks REGISTER/OPTIONS and answers
 * digest challenges with real digest math (`buildAuthorization`).
 */
import type { AclRule } from "../../src/config/schema/options.js";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText } from "../../src/config/index.js";
import { FakeClock } from "../../src/core/clock.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { EndpointDirectory } from "../../src/pbx/endpoint/directory.js";
import { RequestPipeline } from "../../src/pbx/pipeline/pipeline.js";
import type { RequestContext } from "../../src/pbx/pipeline/request-context.js";
import { AuthenticateStage } from "../../src/pbx/pipeline/stages/authenticate.js";
import { EndpointAclStage } from "../../src/pbx/pipeline/stages/endpoint-acl.js";
import { DispatchStage } from "../../src/pbx/pipeline/stages/dispatch.js";
import { IdentifyStage } from "../../src/pbx/pipeline/stages/identify.js";
import { SanityStage } from "../../src/pbx/pipeline/stages/sanity.js";
import { Registrar } from "../../src/pbx/registrar/registrar.js";
import { MemoryContactStore } from "../../src/pbx/registrar/store/memory-contact-store.js";
import { SecurityEventStream, type SecurityEvent } from "../../src/security/events.js";
import { DigestAuthenticator, buildAuthorization, selectChallenge } from "../../src/sip/auth/index.js";
import type { SipResponse } from "../../src/sip/message/message.js";
import { parseAuth, parseMessage } from "../../src/sip/parser/index.js";
import { TransactionLayer } from "../../src/sip/transaction/transaction-layer.js";
import { DEFAULT_TIMERS } from "../../src/sip/transaction/timers.js";
import { FakeTransport } from "../helpers/fake-transport.js";

export const SERVER_IP = "192.0.2.1";
export const SERVER_AGENT = "Switchboard-test";

/** A pjsip.conf with a few typical accounts; tests append their own sections. */
export const BASE_CONF = `
[global]
type=global
user_agent=${SERVER_AGENT}

[transport-udp]
type=transport
protocol=udp
bind=0.0.0.0

[6001]
type=endpoint
context=default
auth=6001
aors=6001

[6001]
type=auth
auth_type=digest
username=6001
password=secret6001

[6001]
type=aor
max_contacts=1
`;

export interface PbxOptions {
  conf?: string;
  reliable?: boolean;
  /** acl.conf's named ACLs, by name. */
  namedAcls?: ReadonlyMap<string, readonly AclRule[]>;
}

export function buildPbx(opts: PbxOptions = {}) {
  const cfg = buildPjsipConfig(parseConfigText(opts.conf ?? BASE_CONF, "pjsip.conf"));
  const errors = cfg.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors, [], "test configuration has no errors");
  const directory = new EndpointDirectory(cfg);
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const transport = new FakeTransport({ reliable: opts.reliable ?? false, localAddress: SERVER_IP });
  const layer = new TransactionLayer({ clock, log: log.child({ category: "sip.transaction" }), timers: DEFAULT_TIMERS, userAgent: SERVER_AGENT });
  const events = new SecurityEventStream();
  const securityEvents: SecurityEvent[] = [];
  events.on("event", (e) => securityEvents.push(e));
  const store = new MemoryContactStore();
  const digest = new DigestAuthenticator({ clock });
  const decorate = (res: SipResponse) => {
    if (!res.headers.has("Server")) res.headers.append("Server", SERVER_AGENT);
  };
  const respond = (ctx: RequestContext, r: SipResponse) => pipeline.respond(ctx, r);
  const registrar = new Registrar({ store, directory: () => directory, clock, log: log.child({ category: "pbx.registrar" }), respond, serverId: "test-host" });
  const pipeline: RequestPipeline = new RequestPipeline({
    log: log.child({ category: "pbx.pipeline" }),
    decorate,
    stages: [
      new SanityStage(),
      new IdentifyStage(() => directory, () => cfg.global.endpointIdentifierOrder),
      new EndpointAclStage({ events, log: log.child({ category: "pbx.acl" }), respond, clock, ...(opts.namedAcls !== undefined ? { namedAcls: () => opts.namedAcls ?? new Map() } : {}) }),
      new AuthenticateStage({ digest, directory: () => directory, defaultRealm: () => cfg.global.defaultRealm, events, log: log.child({ category: "pbx.auth" }), respond, clock }),
      new DispatchStage({ registrar, respond, allow: () => "OPTIONS, REGISTER", findInviteForCancel: (r) => layer.findInviteForCancel(r) }),
    ],
  });
  layer.setUser(pipeline);
  return { cfg, directory, clock, log, transport, layer, events, securityEvents, store, registrar, pipeline };
}

export type Pbx = ReturnType<typeof buildPbx>;

export interface PhoneOptions {
  /** From user (the endpoint name for identify_by=username). */
  user: string;
  /** Digest username and password used to answer challenges. */
  authUser?: string;
  password?: string;
  /** Source address of the phone's packets. */
  ip?: string;
  port?: number;
  /** The address the phone writes into Via and Contact (e.g. its private address behind NAT). */
  localIp?: string;
  localPort?: number;
  domain?: string;
}

export interface RegisterOptions {
  /** To user (the AOR); defaults to the From user. */
  toUser?: string;
  /** Contact header values; default one Contact at the phone's local address. [] sends none. */
  contacts?: string[];
  expires?: number;
  /** Extra header lines. */
  extra?: string[];
  authorization?: string;
}

let branchSeq = 0;

/** A scripted UA. Every request is a new transaction (fresh branch); `lastBytes` allows retransmitting. */
export class Phone {
  readonly ip: string;
  readonly port: number;
  readonly localIp: string;
  readonly localPort: number;
  readonly domain: string;
  readonly callId: string;
  cseq = 0;
  lastBytes: Buffer | undefined;

  constructor(private readonly pbx: Pbx, readonly opts: PhoneOptions) {
    this.ip = opts.ip ?? "198.51.100.20";
    this.port = opts.port ?? 5060;
    this.localIp = opts.localIp ?? this.ip;
    this.localPort = opts.localPort ?? this.port;
    this.domain = opts.domain ?? SERVER_IP;
    this.callId = `reg-${opts.user}-${++branchSeq}@${this.localIp}`;
  }

  get defaultContact(): string {
    return `<sip:${this.opts.user}@${this.localIp}:${this.localPort}>`;
  }

  registerText(o: RegisterOptions = {}): string {
    const contacts = o.contacts ?? [this.defaultContact];
    const lines = [
      `REGISTER sip:${this.domain} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.localIp}:${this.localPort};rport;branch=z9hG4bK-reg-${++branchSeq}`,
      "Max-Forwards: 70",
      `From: <sip:${this.opts.user}@${this.domain}>;tag=ft-${this.opts.user}`,
      `To: <sip:${o.toUser ?? this.opts.user}@${this.domain}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${++this.cseq} REGISTER`,
      ...contacts.map((c) => `Contact: ${c}`),
      ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
      ...(o.authorization !== undefined ? [`Authorization: ${o.authorization}`] : []),
      "User-Agent: TestPhone/1.0",
      ...(o.extra ?? []),
      "Content-Length: 0",
      "",
      "",
    ];
    return lines.join("\r\n");
  }

  /** Sends raw bytes from this phone and returns what the PBX sent back for them. */
  send(bytes: Buffer): SipResponse {
    const before = this.pbx.transport.sent.length;
    this.lastBytes = bytes;
    this.pbx.layer.receive(bytes, this.pbx.transport.flow(this.ip, this.port));
    const out = this.pbx.transport.sent.slice(before);
    assert.equal(out.length, 1, `exactly one response (got: ${out.map((p) => p.text.split("\r\n")[0]).join(" | ")})`);
    return responseOf(out[0]!.data);
  }

  /** One REGISTER without credentials. */
  register(o: RegisterOptions = {}): SipResponse {
    return this.send(Buffer.from(this.registerText(o), "latin1"));
  }

  /** REGISTER, then answer the 401 with the given (or the phone's) credentials. */
  registerWithAuth(o: RegisterOptions & { password?: string; authUser?: string } = {}): SipResponse {
    const first = this.register(o);
    if (first.status !== 401) return first;
    return this.register({ ...o, authorization: this.answer(first, "REGISTER", o) });
  }

  /** The Authorization value answering the challenge in `res`. */
  answer(res: SipResponse, method: string, o: { password?: string; authUser?: string } = {}): string {
    const challenge = challengeOf(res);
    return buildAuthorization({
      challenge,
      username: o.authUser ?? this.opts.authUser ?? this.opts.user,
      password: o.password ?? this.opts.password ?? "",
      method,
      uri: `sip:${this.domain}`,
    });
  }

  options(extra: string[] = []): SipResponse {
    const text = [
      `OPTIONS sip:${this.domain} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.localIp}:${this.localPort};rport;branch=z9hG4bK-opt-${++branchSeq}`,
      "Max-Forwards: 70",
      `From: <sip:${this.opts.user}@${this.domain}>;tag=ft-opt`,
      `To: <sip:${this.domain}>`,
      `Call-ID: opt-${branchSeq}@${this.localIp}`,
      `CSeq: 1 OPTIONS`,
      ...extra,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
    return this.send(Buffer.from(text, "latin1"));
  }
}

export function responseOf(data: Buffer): SipResponse {
  const r = parseMessage(data);
  assert.ok(r.ok, "the PBX's response parses");
  assert.equal(r.message.kind, "response");
  return r.message;
}

/** The first Digest challenge of a 401, parsed with the SIP parser. */
export function challengeOf(res: SipResponse) {
  assert.equal(res.status, 401);
  const values = res.headers.getAll("WWW-Authenticate").map((v) => parseAuth(v));
  assert.ok(values.every((v) => v !== undefined), "WWW-Authenticate parses");
  const c = selectChallenge(values.filter((v) => v !== undefined));
  assert.ok(c, "a usable Digest challenge");
  return c;
}

/** Contact values of a 200 as `{ uri, expires }`. */
export function bindingsOf(res: SipResponse): Array<{ uri: string; expires: number }> {
  return res.headers.getAll("Contact").map((v) => {
    const m = /^<([^>]*)>;expires=(\d+)$/.exec(v.trim());
    assert.ok(m, `Contact value has the <uri>;expires=N shape: ${v}`);
    return { uri: m[1] ?? "", expires: Number(m[2]) };
  });
}
