/**
 * `Transfer([Tech/]destination)`: asks the channel's own phone to take the call elsewhere, as
 * chan_pjsip does — before answer a `302 Moved Temporarily` with the destination as Contact;
 * after answer a REFER (RFC 3515) whose NOTIFYs say how it went. `destination` is a SIP URI, or
 * an extension made into `sip:<exten>@<the address the phone called>`. A technology other than
 * PJSIP is UNSUPPORTED.
 *
 * TRANSFERSTATUS: SUCCESS, FAILURE or UNSUPPORTED; TRANSFERSTATUSPROTOCOL: the SIP status that
 * decided it (302, the final NOTIFY's status, the REFER's refusal), 0 when none.
 */
import type { SipRequest } from "../../sip/message/message.js";
import { parseUri } from "../../sip/parser/index.js";
import type { DialplanApp } from "../apps/index.js";
import type { CallManager } from "../channel/call-manager.js";
import { InboundCall } from "../channel/inbound-call.js";

/** How long the REFER's final NOTIFY may take. */
const NOTIFY_WAIT_MS = 30_000;

export function transferApp(calls: () => CallManager): DialplanApp {
  return {
    name: "Transfer",
    synopsis: "Transfer caller to remote extension",
    syntax: "Transfer([Tech/]destination)",
    execute: async (a) => {
      const set = (status: "SUCCESS" | "FAILURE" | "UNSUPPORTED", protocol: number) => {
        a.setVar("TRANSFERSTATUS", status);
        a.setVar("TRANSFERSTATUSPROTOCOL", String(protocol));
      };
      const ch = calls().dialplanChannel(a.channel.name);
      let dest = (a.args[0] ?? "").trim();
      const slash = dest.indexOf("/");
      if (slash > 0 && !/^sips?:/i.test(dest)) {
        if (dest.slice(0, slash).toUpperCase() !== "PJSIP") {
          set("UNSUPPORTED", 0);
          return "continue";
        }
        dest = dest.slice(slash + 1);
      }
      if (ch === undefined || dest === "") {
        if (dest === "") a.log.warn({}, "Transfer() needs a destination");
        set("FAILURE", 0);
        return "continue";
      }
      const host = ch instanceof InboundCall ? (parseUri(ch.o.req.uri)?.host ?? ch.flow.transport.localAddress) : ch.flow.transport.localAddress;
      const port = ch instanceof InboundCall ? parseUri(ch.o.req.uri)?.port : ch.flow.transport.localPort;
      const uri = /^sips?:/i.test(dest) ? dest : `sip:${dest}@${host.includes(":") ? `[${host}]` : host}${port !== undefined ? `:${port}` : ""}`;
      if (ch instanceof InboundCall && !ch.answered && ch.moved(uri)) {
        if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${ch.name}: transferred with 302 to ${uri}`);
        set("SUCCESS", 302);
        return "hangup";
      }
      const session = ch.session;
      const notified = new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(408), NOTIFY_WAIT_MS);
        const done = (status: number) => {
          clearTimeout(timer);
          resolve(status);
        };
        session.on("request", (req: SipRequest) => {
          if (req.method !== "NOTIFY") return;
          const m = /^SIP\/2\.0 (\d{3})/.exec(req.body.toString("utf8"));
          const status = m ? Number(m[1]) : 0;
          if (status >= 200) done(status);
        });
        // A phone that took the call away hangs up this one: the transfer went through.
        void ch.whenEnded().then(() => done(200));
      });
      const res = await session.requestAndWait("REFER", { headers: [["Refer-To", `<${uri}>`], ["Referred-By", `<sip:${ch.endpoint.id}@${host.includes(":") ? `[${host}]` : host}>`]] });
      if (res === undefined || res.status >= 300) {
        a.log.notice({}, `${ch.name}: the phone refused the transfer to ${uri} (${res === undefined ? "no answer to the REFER" : `${res.status} ${res.reason}`})`);
        set("FAILURE", res?.status ?? 408);
        return "continue";
      }
      const final = await notified;
      if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${ch.name}: transfer to ${uri} ${final < 300 ? "succeeded" : `failed (${final})`}`);
      set(final < 300 ? "SUCCESS" : "FAILURE", final);
      return "continue";
    },
  };
}
