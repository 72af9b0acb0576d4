/**
 * The media doctor: a few seconds after answer it looks at each leg's RTP counters and, when
 * audio cannot be flowing, logs one NOTICE naming the leg, the direction and the likely cause —
 * instead of the classic silent "connected but no audio".
 */
import type { TimerHandle } from "../../core/clock.js";
import { isPrivateAddress } from "../../core/ip.js";
import type { LegStats } from "../../media/index.js";
import type { CallContext } from "./call-context.js";
import type { InboundCall } from "./inbound-call.js";
import { diagnoseIce } from "./ice-diagnosis.js";

/** How long after answer a leg must have been silent before the doctor speaks. */
const CHECK_AFTER_MS = 5000;
/** How often calls are looked at; a leg is diagnosed within about a second of CHECK_AFTER_MS. */
const CHECK_EVERY_MS = 1000;

interface LegView {
  name: string;
  endpoint: string;
  symmetric: boolean;
  mediaLegId: string;
  signallingFrom: string;
  contact: string;
  answeredAt: number | undefined;
}

export class MediaDoctor {
  private readonly timers = new Map<InboundCall, TimerHandle>();
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: CallContext) {}

  watch(call: InboundCall): void {
    const tick = () => {
      this.timers.set(
        call,
        this.ctx.clock.setTimeout(() => {
          if (call.hungUp()) return;
          void this.check(call).finally(() => {
            if (!call.hungUp() && !this.done(call)) tick();
          });
        }, CHECK_EVERY_MS),
      );
    };
    tick();
  }

  forget(call: InboundCall): void {
    this.timers.get(call)?.cancel();
    this.timers.delete(call);
    this.reported.delete(call.name);
    if (call.peer) this.reported.delete(call.peer.name);
  }

  /** Every leg of the call (the peer included, once there is one) has been diagnosed. */
  private done(call: InboundCall): boolean {
    return !!call.peer && this.reported.has(call.name) && this.reported.has(call.peer.name);
  }

  private views(call: InboundCall): Array<{ me: LegView; other: string }> {
    const contactOf = (raw: string | undefined) => /sips?:[^@]*@?([^;>:\s]+|\[[^\]]+\])/i.exec(raw ?? "")?.[1] ?? "";
    const a: LegView = {
      name: call.name,
      endpoint: call.endpoint.id,
      symmetric: call.endpoint.rtpSymmetric,
      mediaLegId: call.mediaLegId,
      signallingFrom: call.flow.remoteAddress,
      contact: contactOf(call.o.req.headers.getAll("Contact")[0]),
      answeredAt: call.answeredAt,
    };
    const out: Array<{ me: LegView; other: string }> = [];
    const peer = call.peer;
    if (peer) {
      const b: LegView = {
        name: peer.name,
        endpoint: peer.endpoint.id,
        symmetric: peer.endpoint.rtpSymmetric,
        mediaLegId: peer.mediaLegId,
        signallingFrom: peer.flow.remoteAddress,
        contact: contactOf(peer.dialog?.state.remoteTarget),
        answeredAt: peer.answeredAt,
      };
      out.push({ me: a, other: b.endpoint }, { me: b, other: a.endpoint });
    } else out.push({ me: a, other: "Switchboard" });
    return out;
  }

  private async check(call: InboundCall): Promise<void> {
    const now = this.ctx.clock.now();
    for (const { me, other } of this.views(call)) {
      if (me.answeredAt === undefined || now - me.answeredAt < CHECK_AFTER_MS || this.reported.has(me.name)) continue;
      let st: LegStats;
      try {
        st = await this.ctx.media.stats(me.mediaLegId);
      } catch {
        continue;
      }
      // Each leg is diagnosed once, right after its first 5 s; later silence is rtp_timeout's job.
      this.reported.add(me.name);
      const text = diagnose(me, other, st);
      if (text) this.ctx.log.notice({ channel: me.name, endpoint: me.endpoint }, text);
      else if (st.transcoding !== undefined && this.ctx.log.wants("verbose", 3)) this.ctx.log.verbose(3, { channel: me.name }, transcodedText(me, other, st.transcoding));
    }
  }

  close(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}

export function diagnose(me: LegView, other: string, st: LegStats): string | undefined {
  const adv = st.advertised ? `${st.advertised.address}:${st.advertised.port}` : "no address";
  const secs = Math.round((st.lastPacketAgeMs ?? CHECK_AFTER_MS) / 1000);
  const ice = diagnoseIce(me, other, st);
  if (ice !== undefined) return ice;
  if (st.packetsIn === 0 && st.dtls !== undefined && st.dtls.state !== "connected") {
    const why =
      st.dtls.state === "failed"
        ? `the DTLS-SRTP handshake failed: ${st.dtls.reason ?? "unknown reason"}`
        : st.dtls.state === "waiting"
          ? `the phone never started the DTLS-SRTP handshake (we are the server, a=setup:passive); check that it has DTLS-SRTP on and reaches our port ${st.localPort}`
          : `the DTLS-SRTP handshake did not finish (we sent our ClientHello to ${adv}); check that the phone has DTLS-SRTP on and that its RTP port reaches us`;
    return `No SRTP keys on ${me.name} after ${secs} s, so no audio is relayed: ${other} hears nothing from ${me.endpoint} and ${me.endpoint} nothing from ${other}. Cause: ${why}`;
  }
  if (st.packetsIn === 0 && st.srtp !== undefined && st.srtp.refused > 0) {
    return `RTP from ${me.endpoint} reaches ${me.name} but none of it passes SRTP authentication (${st.srtp.refused} packets refused, ${st.srtp.suite}): ${other} hears nothing from ${me.endpoint}. Likely cause: the phone encrypts with another key or suite than its SDP a=crypto line announced (a phone bug, or a middlebox rewriting the SDP); check the phone's SRTP settings`;
  }
  if (st.packetsIn === 0) {
    const natHint =
      st.advertised && isPrivateAddress(st.advertised.address) && !isPrivateAddress(me.signallingFrom)
        ? `${me.endpoint} looks to be behind NAT (SDP says ${adv}, signalling comes from ${me.signallingFrom}); its RTP is not getting through to our port ${st.localPort}: check the router and that UDP ports in rtp.conf rtpstart-rtpend are open`
        : `a firewall may be blocking UDP port ${st.localPort} (rtp.conf rtpstart-rtpend), or the phone is not sending (muted, on hold, wrong codec)`;
    return `No RTP received from ${me.endpoint} on ${me.name} for ${secs} s after answer: ${other} hears nothing from ${me.endpoint}. Likely cause: ${natHint}`;
  }
  const agreed = st.agreed;
  const event = agreed?.eventPayloadType;
  if (agreed !== undefined && agreed.codecs.length > 0 && st.payloadType !== undefined && st.payloadType !== 13 && st.payloadType !== event && !agreed.codecs.some((c) => c.payloadType === st.payloadType)) {
    const list = agreed.codecs.map((c) => `${c.name} (payload type ${c.payloadType})`).join(", ");
    return `${me.endpoint} sends RTP on ${me.name} in payload type ${st.payloadType}, which is not what its SDP agreed (${list}): ${other} hears noise or nothing from ${me.endpoint}. Likely cause: the phone ignores the answer's codec list; limit its codecs to the ones in allow= of endpoint ${me.endpoint}`;
  }
  if (st.transcoding !== undefined && st.transcoding.decoded === 0 && st.transcoding.undecodable > 0) {
    return `${me.endpoint}'s RTP on ${me.name} is transcoded from ${st.transcoding.from} to ${st.transcoding.to} for ${other}, but none of its ${st.transcoding.undecodable} packets could be decoded: ${other} hears nothing from ${me.endpoint}`;
  }
  if (st.observed && st.advertised && !st.latched && (st.observed.address !== st.advertised.address || st.observed.port !== st.advertised.port)) {
    const contact = me.contact ? `Contact ${me.contact}, ` : "";
    return `${me.endpoint} is behind NAT (${contact}SDP ${adv}, packets from ${st.observed.address}:${st.observed.port}) and rtp_symmetric=${me.symmetric ? "yes" : "no"}: our RTP for ${me.name} goes to ${adv}, so ${me.endpoint} hears nothing from ${other}. Set rtp_symmetric=yes (and rewrite_contact=yes, force_rport=yes, direct_media=no) on endpoint ${me.endpoint}`;
  }
  return undefined;
}

/** The plain-words line for a leg that is transcoded (not a fault: the phones share no codec). */
function transcodedText(me: LegView, other: string, t: NonNullable<LegStats["transcoding"]>): string {
  return `${me.name}: ${me.endpoint} and ${other} share no codec, so Switchboard transcodes ${t.from} from ${me.endpoint} to ${t.to} for ${other} (${t.decoded} packets decoded, ${t.encoded} sent${t.undecodable > 0 ? `, ${t.undecodable} not decodable` : ""}); add a common codec to both allow= lists to relay packets untouched instead`;
}
