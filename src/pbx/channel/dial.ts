/**
 * Dial(): rings every contact of the dialled endpoints at once (forking), bridges the first to
 * answer and cancels the rest (RFC 3261 §16.7-style, done by the B2BUA), and maps the outcome to
 * `DIALSTATUS`. Media stays anchored: the caller's payload types are offered to the callee, so
 * RTP is relayed byte for byte without transcoding.
 */
import { parseAudioSdp, buildSdp, describeCodecs, type MediaCodec } from "../../media/sdp/index.js";
import type { EndpointConfig } from "../../config/index.js";
import { Bridge } from "../bridge/bridge.js";
import { dialBeginFields, dialEndFields } from "../events.js";
import { flowFor } from "../outbound/request-builder.js";
import type { CallContext } from "./call-context.js";
import { nextChannelName, nextUniqueId } from "./channel-name.js";
import { dialStatusForResponse, CAUSE } from "./hangup-cause.js";
import type { InboundCall } from "./inbound-call.js";
import { mediaAddressFor } from "./media-address.js";
import { OutboundLeg } from "./outbound-leg.js";

export type DialStatus = "ANSWER" | "BUSY" | "NOANSWER" | "CANCEL" | "CONGESTION" | "CHANUNAVAIL" | "DONTCALL" | "TORTURE" | "INVALIDARGS";

/** The Q.850 cause an unsuccessful Dial() leaves on the calling channel. */
const DIAL_CAUSE: Partial<Record<DialStatus, number>> = {
  BUSY: CAUSE.USER_BUSY,
  NOANSWER: CAUSE.NO_ANSWER,
  CONGESTION: CAUSE.CONGESTION,
  CHANUNAVAIL: CAUSE.SUBSCRIBER_ABSENT,
};

export interface DialHooks {
  /** Called when a leg is created so in-dialog requests and stray 2xx can find it. */
  track(leg: OutboundLeg, call: InboundCall): void;
  untrack(leg: OutboundLeg): void;
  stunAddress(): string | undefined;
}

interface Target {
  /** What followed `PJSIP/` in the dial string (DialBegin's DialString). */
  dialString: string;
  endpoint: EndpointConfig;
  uri: string;
  source?: { address: string; port: number; transport: string } | undefined;
}

/** The callee gets the caller's codecs that its own allow= list permits, in the callee's order. */
function codecsForCallee(caller: MediaCodec[], callee: EndpointConfig): MediaCodec[] {
  const out: MediaCodec[] = [];
  for (const pref of callee.allow) {
    const c = caller.find((x) => x.name === pref.name);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

export async function dial(
  ctx: CallContext,
  hooks: DialHooks,
  call: InboundCall,
  targets: string[],
  timeoutSec: number | undefined,
  _options: string,
): Promise<{ status: DialStatus; answeredBy?: string }> {
  const dir = ctx.directory();
  const now = ctx.clock.now();
  const resolved: Target[] = [];
  for (const raw of targets) {
    const m = /^PJSIP\/(?:([^@/]+)@)?([^/]+)(?:\/(.+))?$/i.exec(raw.trim());
    if (!m || !m[2]) {
      call.log.warn({}, `Dial: '${raw}' is not a PJSIP dial string (write PJSIP/<endpoint>)`);
      continue;
    }
    const ep = dir.endpoint(m[2]);
    if (!ep) {
      call.log.notice({}, `Dial: endpoint '${m[2]}' does not exist (check pjsip.conf)`);
      continue;
    }
    const dialString = raw.trim().slice("PJSIP/".length);
    if (m[3]) {
      resolved.push({ dialString, endpoint: ep, uri: m[3] });
      continue;
    }
    let found = false;
    for (const aorId of ep.aors) {
      for (const c of ctx.contacts.list(aorId)) {
        if (c.expiresAt <= now) continue;
        resolved.push({ dialString, endpoint: ep, uri: c.uri, source: { address: c.sourceAddress, port: c.sourcePort, transport: c.transport } });
        found = true;
      }
      for (const uri of dir.aors.get(aorId)?.contact ?? []) {
        resolved.push({ dialString, endpoint: ep, uri });
        found = true;
      }
    }
    if (!found) call.log.notice({ endpoint: ep.id }, `Dial: endpoint '${ep.id}' has no registered or static contacts; is the phone registered? (pjsip show contacts)`);
  }
  if (resolved.length === 0) return { status: "CHANUNAVAIL" };
  if (call.hungUp()) return { status: "CANCEL" };

  return new Promise((resolve) => {
    const legs = new Set<OutboundLeg>();
    const failures: number[] = [];
    let winner: OutboundLeg | undefined;
    let settled = false;
    let timer: { cancel(): void } | undefined;
    // One bridge per Dial: early media of whichever leg sends it, then the leg that answers.
    const bridge = new Bridge({ media: ctx.media, events: ctx.events, now: () => ctx.clock.now(), creator: "Dial" });
    /** Legs a DialBegin went out for and no DialEnd yet. */
    const dialing = new Set<OutboundLeg>();
    const dialEnd = (leg: OutboundLeg, status: DialStatus) => {
      if (!dialing.delete(leg)) return;
      if (ctx.events.wants("DialEnd")) ctx.events.emit("DialEnd", dialEndFields(call.view(), leg.view(), status));
    };

    const settle = (status: DialStatus) => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      // The forks that lost were cancelled (another answered, or the caller went away); after a
      // timeout they simply were not answered.
      for (const leg of legs) if (leg !== winner) stopLeg(leg, status === "NOANSWER" ? "NOANSWER" : "CANCEL");
      if (!winner) bridge.close();
      call.vars.set("DIALSTATUS", status);
      // The caller's own final response follows the outcome (486 for a busy callee, 480 for no
      // answer) when the dialplan then just hangs up, as Asterisk's Dial() leaves its cause on
      // the calling channel.
      const cause = DIAL_CAUSE[status];
      if (cause !== undefined) call.dialCause = cause;
      // Every target failed for want of a common codec: the caller hears 488, which names the
      // problem, rather than 503 (the NOTICE already gave both codec lists).
      if (!winner && failures.length > 0 && failures.every((f) => f === 488)) call.dialCause = CAUSE.BEARERCAPABILITY_NOTAVAIL;
      resolve(winner ? { status, answeredBy: winner.name } : { status });
    };
    const stopLeg = (leg: OutboundLeg, status: DialStatus) => {
      dialEnd(leg, status);
      leg.cancel();
      call.ringing_.delete(leg);
      ctx.media.release(leg.mediaLegId);
      hooks.untrack(leg);
    };
    const maybeAllFailed = () => {
      if (winner || [...legs].some((l) => l.state !== "Hungup")) return;
      const statuses = failures.map(dialStatusForResponse);
      const pick = (["BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL"] as const).find((s) => statuses.includes(s)) ?? "CHANUNAVAIL";
      settle(pick);
    };

    call.onEnding(() => {
      if (!winner) settle("CANCEL");
    });
    if (timeoutSec !== undefined && timeoutSec > 0) {
      timer = ctx.clock.setTimeout(() => settle("NOANSWER"), timeoutSec * 1000);
    }

    const startLeg = async (t: Target) => {
      const flow = flowFor({ uri: t.uri, source: t.source }, ctx.transports);
      if (!flow) {
        call.log.notice({}, `Dial: no transport can reach ${t.uri}`);
        failures.push(503);
        return;
      }
      const codecs = codecsForCallee(call.codecs, t.endpoint);
      if (codecs.length === 0) {
        call.log.notice(
          { endpoint: t.endpoint.id },
          `Dial: no codec in common between the caller (${describeCodecs(call.codecs)}) and endpoint '${t.endpoint.id}' (allow=${t.endpoint.allow.map((c) => c.name).join("|")}); Switchboard does not transcode: add a shared codec to both allow= lists`,
        );
        failures.push(488);
        return;
      }
      let alloc: Awaited<ReturnType<typeof ctx.media.allocate>>;
      try {
        alloc = await ctx.media.allocate({ group: call.callId, ...(flow.transport.family === 6 ? { bindAddress: "::" } : {}) });
      } catch (err) {
        // Out of RTP ports (rtp.conf rtpstart-rtpend too small for the load): this leg fails as
        // congestion; the call itself and every other call go on.
        call.log.warn({}, `Dial: cannot allocate media for ${t.endpoint.id}: ${err instanceof Error ? err.message : String(err)}`);
        failures.push(503);
        return;
      }
      if (call.hungUp() || settled) {
        ctx.media.release(alloc.id);
        return;
      }
      ctx.media.setOptions(alloc.id, {
        symmetric: t.endpoint.rtpSymmetric,
        timeoutSec: t.endpoint.rtpTimeout,
        timeoutHoldSec: t.endpoint.rtpTimeoutHold,
        keepaliveSec: t.endpoint.rtpKeepalive,
      });
      const transportCfg = ctx.config().pjsip.transports.find((x) => x.id === flow.transport.id);
      const address = mediaAddressFor(t.endpoint, flow, transportCfg, hooks.stunAddress());
      const sessionId = String(Date.now());
      const sdpFor = (direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", version: number) =>
        buildSdp({
          origin: { sessionId, sessionVersion: version, address },
          address,
          port: alloc.localPort,
          codecs,
          ...(call.telephoneEvent ? { telephoneEvent: call.telephoneEvent } : {}),
          direction,
        });
      const offer = sdpFor("sendrecv", 1);
      const leg = new OutboundLeg({
        ctx,
        name: nextChannelName(t.endpoint.id),
        uniqueId: nextUniqueId(ctx.clock.now()),
        linkedId: call.uniqueId,
        endpoint: t.endpoint,
        target: t.uri,
        flow,
        callerId: call.callerId,
        offerSdp: offer,
        mediaLegId: alloc.id,
        sdpFor,
      });
      legs.add(leg);
      call.ringing_.add(leg);
      hooks.track(leg, call);
      const applyAnswer = (sdp: string | undefined) => {
        if (!sdp) return;
        const parsed = parseAudioSdp(sdp);
        if (!parsed.ok) return;
        ctx.media.setRemote(leg.mediaLegId, { address: parsed.audio.address, port: parsed.audio.port, ...(parsed.audio.rtcpPort ? { rtcpPort: parsed.audio.rtcpPort } : {}) });
        call.restrictCodecs(parsed.audio.codecs.map((c) => c.payloadType));
      };
      leg.on("ringing", () => void call.ringing());
      leg.on("progress", (sdp) => {
        if (winner || settled) return;
        applyAnswer(sdp);
        bridge.earlyMedia(call, leg);
        void call.progress();
      });
      leg.on("answered", (sdp) => {
        if (settled || winner) {
          dialEnd(leg, "CANCEL");
          leg.hangup();
          return;
        }
        winner = leg;
        call.ringing_.delete(leg);
        applyAnswer(sdp);
        dialEnd(leg, "ANSWER");
        for (const other of legs) if (other !== leg) stopLeg(other, "CANCEL");
        call.peer = leg;
        call.bridge = bridge;
        bridge.join(call, leg);
        timer?.cancel();
        // The conversation: it ends when either side hangs up. The listener goes on before
        // answer(): with a reliable 18x carrying SDP the caller's 2xx waits for its PRACK (RFC 3262
        // §3), and a callee BYE in that wait used to find nobody listening and was lost.
        leg.on("remoteHangup", () => {
          bridge.close();
          void call.hangup(CAUSE.NORMAL_CLEARING);
        });
        void call.answer().then(async () => {
          await call.whenEnded();
          bridge.close();
          leg.hangup();
          ctx.media.release(leg.mediaLegId);
          hooks.untrack(leg);
          settle("ANSWER");
        });
      });
      leg.on("failed", (status) => {
        dialEnd(leg, dialStatusForResponse(status));
        failures.push(status);
        call.ringing_.delete(leg);
        ctx.media.release(leg.mediaLegId);
        hooks.untrack(leg);
        maybeAllFailed();
      });
      dialing.add(leg);
      if (ctx.events.wants("DialBegin")) ctx.events.emit("DialBegin", dialBeginFields(call.view(), leg.view(), t.dialString));
      leg.start();
    };

    void Promise.all(resolved.map((t) => startLeg(t).catch((err: unknown) => {
      call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `Dial: starting a leg to ${t.endpoint.id} failed`);
      failures.push(500);
    }))).then(() => {
      if (legs.size === 0) {
        const statuses = failures.map(dialStatusForResponse);
        settle(statuses.includes("CONGESTION") ? "CONGESTION" : "CHANUNAVAIL");
      }
    });
  });
}
