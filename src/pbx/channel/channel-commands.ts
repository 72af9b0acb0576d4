/**
 * Console commands for calls: `core show channels [concise|verbose|count]`, `core show channel`,
 * `channel request hangup`, `channel redirect`, `pjsip show channels`, `pjsip show channelstats`, and
 * `core show resources` (what is allocated right now; tests use it to prove nothing leaks).
 */
import { iceLines } from "./ice-lines.js";
import { CliUsageError, completeFrom, type CommandRegistrar } from "../../core/commands.js";
import type { LegStats } from "../../media/index.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { CallManager } from "./call-manager.js";
import type { InboundCall } from "./inbound-call.js";
import type { OutboundLeg } from "./outbound-leg.js";
import type { OriginatedCall } from "./originated-call.js";
import type { OriginateRequest } from "./originate.js";

interface Row {
  name: string;
  location: string;
  state: string;
  app: string;
  data: string;
  callerId: string;
  duration: number;
  mediaLegId: string;
  codec: string;
  endpoint: string;
  peer: string;
  /** The other party's caller ID, as `"Name" <num>` (Asterisk's connected line). */
  connected: string;
  /** The id of the bridge the channel is in ("" when none). */
  bridgeId: string;
  uniqueId: string;
}

function hms(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** A channel that runs the dialplan: a call's incoming leg, or a call the PBX originated. */
type DialplanLeg = InboundCall | OriginatedCall;

function rows(calls: CallManager, now: number): Row[] {
  const out: Row[] = [];
  for (const c of [...calls.calls, ...calls.originated]) {
    out.push(inboundRow(c, now));
    const legs: OutboundLeg[] = c.peer ? [c.peer] : [];
    for (const l of c.ringing_) if (!legs.includes(l)) legs.push(l);
    for (const l of legs) out.push(outboundRow(l, c, now));
  }
  return out;
}

function inboundRow(c: DialplanLeg, now: number): Row {
  const ch = c.channel;
  return {
    name: ch.name,
    location: `${ch.exten}@${ch.context}:${ch.priority}`,
    state: ch.state,
    app: ch.application || "(None)",
    data: ch.appData,
    callerId: ch.callerId.num,
    duration: Math.floor((now - ch.createdAt) / 1000),
    mediaLegId: c.mediaLegId,
    codec: c.codecs[0]?.name ?? "",
    endpoint: c.endpoint.id,
    peer: c.peer?.name ?? "",
    connected: c.peer ? `"" <${c.peer.endpoint.id}>` : "",
    bridgeId: c.bridge?.has(c.name) ? c.bridge.id : "",
    uniqueId: c.uniqueId,
  };
}

function outboundRow(l: OutboundLeg, c: DialplanLeg, now: number): Row {
  return {
    name: l.name,
    location: "(None)",
    state: l.channel.state,
    app: "AppDial",
    data: "(Outgoing Line)",
    callerId: l.endpoint.id,
    duration: Math.floor((now - l.createdAt) / 1000),
    mediaLegId: l.mediaLegId,
    // The leg's own codec: on a transcoded call it is not the caller's.
    codec: l.media.codecs[0]?.name ?? c.codecs[0]?.name ?? "",
    endpoint: l.endpoint.id,
    peer: c.name,
    connected: `"${c.callerId.name.replace(/"/g, "")}" <${c.callerId.num}>`,
    bridgeId: c.bridge?.has(l.name) ? c.bridge.id : "",
    uniqueId: l.uniqueId,
  };
}

export function registerChannelCommands(registry: CommandRegistrar, calls: CallManager, transactions: TransactionLayer): () => void {
  const now = () => calls.ctx.clock.now();
  const names = () => rows(calls, now()).map((r) => r.name);
  const unregs = [
    registry.register({
      command: "channel originate",
      summary: "Originate a call",
      usage:
        "Usage: channel originate <tech/data> application <appname> [appdata]\n" +
        "       channel originate <tech/data> extension [exten@][context]\n" +
        "       Originate a call to the given device. Once it answers, it either runs the given\n" +
        "       application with its data, or goes to the given extension (s@default when not given).\n",
      complete: ({ args, word }) => (args.length === 1 ? completeFrom(["application", "extension"], word) : []),
      handler: ({ args }) => {
        const [target, kind, what, ...rest] = args;
        if (target === undefined || kind === undefined) throw new CliUsageError();
        let then: OriginateRequest["then"];
        if (kind.toLowerCase() === "application") {
          if (what === undefined) throw new CliUsageError();
          then = { kind: "app", app: what, data: rest.join(" ") };
        } else if (kind.toLowerCase() === "extension") {
          const spec = what ?? "s";
          const at = spec.indexOf("@");
          then = { kind: "exten", exten: at < 0 ? spec : spec.slice(0, at) || "s", context: at < 0 ? "default" : spec.slice(at + 1) || "default", priority: 1 };
        } else throw new CliUsageError();
        // As Asterisk's CLI does: the call is placed in the background, the command says nothing.
        void calls.originate({ channel: target, timeoutMs: 30000, then });
        return "";
      },
    }),
    registry.register({
      command: "core show channels",
      summary: "Display information on channels",
      usage: "Usage: core show channels [concise|verbose|count]\n       Lists currently defined channels and some information about them.\n",
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(["concise", "verbose", "count"], word) : []),
      handler: ({ args }) => {
        const mode = args[0]?.toLowerCase();
        if (args.length > 1 || (mode && !["concise", "verbose", "count"].includes(mode))) throw new CliUsageError();
        const list = rows(calls, now());
        const active = calls.calls.size + calls.originated.size;
        const totals = `${list.length} active channel${list.length === 1 ? "" : "s"}\n${active} active call${active === 1 ? "" : "s"}\n${calls.processed} call${calls.processed === 1 ? "" : "s"} processed\n`;
        if (mode === "count") return totals;
        if (mode === "concise") {
          // Asterisk's 14 fields: name!context!exten!prio!state!app!data!callerid!accountcode!
          // peeraccount!amaflags!duration!bridgeid!uniqueid (outgoing legs have no dialplan place).
          return (
            list
              .map((r) => {
                const at = r.location.indexOf("@");
                const exten = at >= 0 ? r.location.slice(0, at) : "";
                const [context = "", prio = "1"] = at >= 0 ? r.location.slice(at + 1).split(":") : ["", "1"];
                return [r.name, context, exten, prio, r.state, r.app, r.data, r.callerId, "", "", "3", String(r.duration), r.bridgeId, r.uniqueId].join("!");
              })
              .join("\n") + (list.length ? "\n" : "")
          );
        }
        if (mode === "verbose") {
          const fmt = (a: string[]) => `${a[0]!.padEnd(20).slice(0, 20)} ${a[1]!.padEnd(20).slice(0, 20)} ${a[2]!.padEnd(16).slice(0, 16)} ${a[3]!.padEnd(4).slice(0, 4)} ${a[4]!.padEnd(7).slice(0, 7)} ${a[5]!.padEnd(12).slice(0, 12)} ${a[6]!.padEnd(25).slice(0, 25)} ${a[7]!.padEnd(15).slice(0, 15)} ${a[8]!.padEnd(8).slice(0, 8)} ${a[9]!}`;
          const lines = [fmt(["Channel", "Context", "Extension", "Prio", "State", "Application", "Data", "CallerID", "Duration", "Peer"])];
          for (const r of list) {
            const [exten = "", ctxPrio = ""] = r.location.split("@");
            const [ctx = "", prio = ""] = ctxPrio.split(":");
            lines.push(fmt([r.name, ctx, exten, prio, r.state, r.app, r.data, r.callerId, hms(r.duration), r.peer]));
          }
          return lines.join("\n") + "\n" + totals;
        }
        const fmt = (a: string, b: string, c: string, d: string) => `${a.padEnd(64).slice(0, 64)} ${b.padEnd(32).slice(0, 32)} ${c.padEnd(7).slice(0, 7)} ${d.padEnd(30).slice(0, 30)}`;
        const lines = [fmt("Channel", "Location", "State", "Application(Data)")];
        for (const r of list) lines.push(fmt(r.name, r.location, r.state, r.app === "(None)" ? "(None)" : `${r.app}(${r.data})`));
        return lines.join("\n") + "\n" + totals;
      },
    }),
    registry.register({
      command: "core show channel",
      summary: "Display information on a specific channel",
      usage: "Usage: core show channel <channel>\n       Shows lots of information about the specified channel, including its media.\n",
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(names(), word) : []),
      handler: async ({ args }) => {
        const name = args[0];
        if (!name) throw new CliUsageError();
        const r = rows(calls, now()).find((x) => x.name === name);
        if (!r) return `${name} is not a known channel\n`;
        const st = await calls.ctx.media.stats(r.mediaLegId).catch(() => undefined);
        const lines = [
          " -- General --",
          `           Name: ${r.name}`,
          `       Endpoint: ${r.endpoint}`,
          `      Caller ID: ${r.callerId}`,
          `          State: ${r.state}`,
          `    Application: ${r.app}`,
          `           Data: ${r.data}`,
          `  Elapsed Time: ${hms(r.duration)}`,
          `   Bridged Peer: ${r.peer || "(none)"}`,
          "      -- PBX --",
          `        Context: ${r.location.split("@")[1]?.split(":")[0] ?? ""}`,
          `      Extension: ${r.location.split("@")[0] ?? ""}`,
          `       Priority: ${r.location.split(":")[1] ?? ""}`,
          ...mediaLines(st, r.codec),
        ];
        return lines.join("\n") + "\n";
      },
    }),
    registry.register({
      command: "channel request hangup",
      summary: "Request a hangup on a given channel",
      usage: "Usage: channel request hangup <channel>|<all>\n       Request that a channel be hung up. The hangup takes effect\n       the next time the driver reads or writes from the channel.\n       If 'all' is specified instead of a channel name, all channels\n       will see the hangup request.\n",
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(["all", ...names()], word) : []),
      handler: async ({ args }) => {
        const name = args[0];
        if (!name || args.length > 1) throw new CliUsageError();
        const n = await calls.hangupByName(name);
        if (name === "all") return `Requested Hangup on all channels\n`;
        return n ? `Requested Hangup on channel '${name}'\n` : `${name} is not a known channel\n`;
      },
    }),
    registry.register({
      command: "channel redirect",
      summary: "Redirect a call",
      usage: "Usage: channel redirect <channel> <[[context,]exten,]priority>\n       Redirect an active channel to a specified extension.\n",
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(calls.redirectableNames(), word) : []),
      handler: ({ args }) => {
        const [name, dest] = args;
        if (name === undefined || dest === undefined || args.length > 2) throw new CliUsageError();
        const parts = dest.split(",");
        if (parts.length > 3) throw new CliUsageError();
        const [priority = ""] = parts.slice(-1);
        const exten = parts.length >= 2 ? parts[parts.length - 2] : undefined;
        const context = parts.length === 3 ? parts[0] : undefined;
        const r = calls.redirect(name, { context, exten, priority });
        if (r.ok) return `Channel '${r.channel}' successfully redirected to ${dest}\n`;
        if (r.reason === "no-channel") return `Channel '${name}' not found\n`;
        return `Channel '${name}' failed to be redirected to ${dest}\n`;
      },
    }),
    registry.register({
      command: "pjsip show channels",
      summary: "List PJSIP Channels",
      usage: "Usage: pjsip show channels\n       List(detailed) the active PJSIP channels.\n",
      handler: () => {
        const list = rows(calls, now());
        if (list.length === 0) return "No objects found.\n\n";
        const out = [
          "",
          "  Channel:  <ChannelId......................................>  <State.....>  <Time.....>",
          "      Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>",
          "=".repeat(90),
          "",
        ];
        for (const r of list) {
          out.push(`  Channel:  ${`${r.name}/${r.app}`.padEnd(49).slice(0, 49)}  ${r.state.padEnd(12)}  ${hms(r.duration)}`);
          out.push(`      Exten: ${(r.location.split("@")[0] ?? "").padEnd(22).slice(0, 22)}  CLCID: ${r.connected}`);
          out.push("");
        }
        out.push("", `Objects found: ${list.length}`, "", "");
        return out.join("\n");
      },
    }),
    registry.register({
      command: "pjsip show channelstats",
      summary: "Show PJSIP channel media statistics (the media doctor's view)",
      usage: "Usage: pjsip show channelstats\n       For each channel: codec, the SDP-advertised address, where RTP really comes from,\n       whether we latched onto it, packets/bytes each way, the age of the last packet\n       and whether the leg is SRTP (yes/80, yes/32: the suite's tag bits).\n",
      handler: async () => {
        const list = rows(calls, now());
        if (list.length === 0) return "No objects found.\n\n";
        const head = ` ${"ChannelId".padEnd(26)} ${"Codec".padEnd(6)} ${"Advertised".padEnd(22)} ${"Observed".padEnd(22)} Latch ${"RxPkts".padStart(8)} ${"RxBytes".padStart(10)} ${"TxPkts".padStart(8)} ${"TxBytes".padStart(10)} ${"LastRx".padStart(8)} SRTP`;
        const out = ["", head, "=".repeat(head.length)];
        for (const r of list) {
          const st = await calls.ctx.media.stats(r.mediaLegId).catch(() => undefined);
          if (!st) continue;
          const adv = st.advertised ? `${st.advertised.address}:${st.advertised.port}` : "-";
          const obs = st.observed ? `${st.observed.address}:${st.observed.port}` : "-";
          const age = st.lastPacketAgeMs === undefined ? "never" : `${(st.lastPacketAgeMs / 1000).toFixed(1)}s`;
          out.push(` ${r.name.padEnd(26).slice(0, 26)} ${r.codec.padEnd(6).slice(0, 6)} ${adv.padEnd(22).slice(0, 22)} ${obs.padEnd(22).slice(0, 22)} ${(st.latched ? "yes" : "no").padEnd(5)} ${String(st.packetsIn).padStart(8)} ${String(st.bytesIn).padStart(10)} ${String(st.packetsOut).padStart(8)} ${String(st.bytesOut).padStart(10)} ${age.padStart(8)} ${st.srtp ? (st.srtp.suite.endsWith("_32") ? "yes/32" : "yes/80") : "no"}`);
        }
        out.push("", `Objects found: ${list.length}`, "", "");
        return out.join("\n");
      },
    }),
    registry.register({
      command: "core show resources",
      summary: "Show what is allocated now: channels, calls, transactions, RTP ports",
      usage: "Usage: core show resources\n       Counts of live channels, calls, SIP transactions and RTP ports (for leak checks).\n",
      handler: () => {
        const t = transactions.counts();
        const lines = [
          `Channels:            ${rows(calls, now()).length}`,
          `Calls:               ${calls.calls.size}`,
          `Outbound legs:       ${calls.outboundLegs().length}`,
          `Server transactions: ${t.server}`,
          `Client transactions: ${t.client}`,
          `RTP ports in use:    ${calls.ctx.media.portsInUse()}`,
        ];
        return lines.join("\n") + "\n";
      },
    }),
  ];
  return () => {
    for (const u of unregs) u();
  };
}

function mediaLines(st: LegStats | undefined, codec: string): string[] {
  if (!st) return ["      -- Media --", "      (no media)"];
  const adv = st.advertised ? `${st.advertised.address}:${st.advertised.port}` : "(none)";
  const obs = st.observed ? `${st.observed.address}:${st.observed.port}` : "(nothing received yet)";
  return [
    "      -- Media --",
    `          Codec: ${codec}${st.payloadType !== undefined ? ` (payload type ${st.payloadType})` : ""}`,
    `     Local port: ${st.localPort}`,
    ` SDP advertised: ${adv}`,
    `  Observed from: ${obs}`,
    `        Latched: ${st.latched ? "yes (sending to the observed source)" : "no (sending to the SDP address)"}`,
    `    Packets in : ${st.packetsIn} (${st.bytesIn} bytes)`,
    `    Packets out: ${st.packetsOut} (${st.bytesOut} bytes)`,
    `    Last packet: ${st.lastPacketAgeMs === undefined ? "never" : `${(st.lastPacketAgeMs / 1000).toFixed(1)} s ago`}`,
    `        Dropped: ${st.dropped}`,
    `           SRTP: ${st.srtp ? `${st.srtp.suite} (${st.dtls !== undefined ? "DTLS" : "SDES"}; ${st.srtp.refused} packets refused)` : st.dtls !== undefined ? "not yet (no DTLS keys)" : "no (plain RTP)"}`,
    ...(st.dtls !== undefined ? [`       DTLS-SRTP: ${dtlsText(st.dtls)}`] : []),
    `     Transcoded: ${transcodedText(st)}`,
    ...iceLines(st),
  ];
}

/** The leg's DTLS association: role, state, profile, the peer certificate and whether it was checked. */
function dtlsText(d: NonNullable<LegStats["dtls"]>): string {
  const role = d.role === "client" ? "client (a=setup:active)" : "server (a=setup:passive)";
  if (d.state === "connected") return `connected as ${role}, ${d.profile ?? "?"}, peer certificate sha-256 ${d.peerFingerprint ?? "?"} (${d.verified === "no" ? "not verified" : `verified: ${d.verified ?? "?"}`})`;
  if (d.state === "failed") return `failed as ${role}: ${d.reason ?? "?"}`;
  return `${d.state === "waiting" ? "waiting for the phone's ClientHello" : "handshaking"} as ${role}`;
}

/** Whether what this leg receives is transcoded for its peer, and how much. */
function transcodedText(st: LegStats): string {
  const t = st.transcoding;
  if (t === undefined) return st.bridgedTo === undefined ? "no" : "no (packets pass to the peer untouched)";
  return `yes, ${t.from} to ${t.to} for the peer (${t.decoded} packets decoded, ${t.encoded} encoded${t.concealed > 0 ? `, ${t.concealed} lost and concealed` : ""}${t.undecodable > 0 ? `, ${t.undecodable} undecodable` : ""})`;
}
