/**
 * Configuration traps: settings that load fine but break calls in ways users find hard to
 * diagnose (reference §7: one-way audio behind NAT, 403 on REGISTER with max_contacts=0, calls
 * that can never negotiate a codec …). Each warning points at the section and says the fix.
 * Codecs that are not available here (relayed only) or never negotiated are reported at load (pjsip/codec-support.ts).
 */
import { existsSync } from "node:fs";
import type { Diagnostic } from "../diagnostic.js";
import type { LoadedConfig } from "../load-configuration.js";
import type { EndpointConfig } from "../pjsip/endpoint-schema.js";
import type { PjsipConfigResult } from "../pjsip/load-pjsip.js";
import { allowsNoUsableCodec, allowsOnlyRelayedCodecs, noUsableCodecMessage, onlyRelayedCodecsMessage } from "../pjsip/codec-support.js";

function warning(file: string, line: number, message: string): Diagnostic {
  return { severity: "warning", file, line, message };
}

/** True when some AOR of the endpoint accepts registrations, so its address is not known in advance. */
function registers(ep: EndpointConfig, pjsip: PjsipConfigResult): boolean {
  return ep.aors.some((name) => (pjsip.aors.get(name)?.maxContacts ?? 0) > 0);
}

/**
 * A registering phone may sit behind NAT whether or not transports set local_net: local_net only
 * says which peers are *known* to be local. So every registering endpoint needs NAT-safe settings.
 */
function natTrap(ep: EndpointConfig, pjsip: PjsipConfigResult): Diagnostic | undefined {
  if (!registers(ep, pjsip)) return undefined;
  const bad: Array<[string, string]> = [];
  if (!ep.rtpSymmetric) bad.push(["rtp_symmetric=no", "rtp_symmetric=yes"]);
  if (!ep.rewriteContact) bad.push(["rewrite_contact=no", "rewrite_contact=yes"]);
  if (!ep.forceRport) bad.push(["force_rport=no", "force_rport=yes"]);
  if (ep.directMedia) bad.push(["direct_media=yes", "direct_media=no"]);
  if (bad.length === 0) return undefined;
  return warning(
    ep.file,
    ep.line,
    `endpoint ${ep.id} may register from behind NAT but has ${bad.map((b) => b[0]).join(", ")}: set ${bad.map((b) => b[1]).join(", ")}`,
  );
}

function endpointTraps(pjsip: PjsipConfigResult): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ep of pjsip.endpoints.values()) {
    const nat = natTrap(ep, pjsip);
    if (nat !== undefined) out.push(nat);
    if (allowsNoUsableCodec(ep)) out.push(warning(ep.file, ep.line, noUsableCodecMessage(ep)));
    if (allowsOnlyRelayedCodecs(ep)) out.push({ severity: "error", file: ep.file, line: ep.line, message: onlyRelayedCodecsMessage(ep) });
    // The anonymous endpoint only takes calls from unidentified peers; nothing calls it.
    if (ep.aors.length === 0 && ep.id !== "anonymous") {
      out.push(warning(ep.file, ep.line, `endpoint ${ep.id} has no aors=, so it cannot register and calls to it cannot be routed: add aors=${ep.id} and an [${ep.id}] type=aor section`));
    }
    if (ep.auth.length > 0) {
      for (const name of ep.aors) {
        const aor = pjsip.aors.get(name);
        // An AOR with static contacts and max_contacts=0 is a deliberate "no registration" setup.
        if (aor !== undefined && aor.maxContacts === 0 && aor.contact.length === 0) {
          out.push(
            warning(
              aor.file,
              aor.line,
              `aor ${aor.id} has max_contacts=0, so REGISTER for endpoint ${ep.id} (which has auth=) will be refused with 403: set max_contacts=1 (or more; remove_existing=yes lets a phone replace its old registration)`,
            ),
          );
        }
      }
    }
  }
  return out;
}

function authTraps(pjsip: PjsipConfigResult): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const auth of pjsip.auths.values()) {
    if (auth.password.length === 0 && auth.passwordDigest.length === 0) {
      out.push(warning(auth.file, auth.line, `auth ${auth.id} has an empty password and no password_digest, so authentication with it always fails: set password=`));
    }
  }
  return out;
}

function identifyTraps(pjsip: PjsipConfigResult): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const id of pjsip.identifies) {
    if (id.match.length === 0 && id.matchHeader.length === 0 && id.matchRequestUri.length === 0) {
      out.push(warning(id.file, id.line, `identify ${id.id} has no match, match_header or match_request_uri, so it never matches: add e.g. match=198.51.100.1`));
    }
  }
  return out;
}

/**
 * RFC 3261 §16.12: a Route without `;lr` names a strict router, whose URI must replace the
 * Request-URI. In pjsip.conf a bare `;` starts a comment, so `sip:proxy;lr` loses its `;lr`;
 * Asterisk's documentation writes it `sip:proxy.example.com\;lr`.
 */
function outboundProxyTraps(pjsip: PjsipConfigResult): Diagnostic[] {
  const out: Diagnostic[] = [];
  const objects = [...[...pjsip.endpoints.values()].map((o) => ["endpoint", o] as const), ...[...pjsip.registrations.values()].map((o) => ["registration", o] as const)];
  for (const [type, o] of objects) {
    const p = o.outboundProxy.trim();
    if (p === "" || /;\s*lr\b/i.test(p)) continue;
    out.push(warning(o.file, o.line, `${type} ${o.id} has outbound_proxy=${p} without ;lr, so the proxy is treated as a strict router (RFC 3261 §16.12): write outbound_proxy=${p.replace(/>$/, "")}\\;lr (a bare ; starts a comment in pjsip.conf)`));
  }
  return out;
}

const withDefaultContext = (box: string): string => (box.includes("@") ? box : `${box}@default`);

/**
 * Voicemail that cannot work as written: MWI for a mailbox voicemail.conf does not define (the
 * lamp never lights), VoiceMail()/VoiceMailMain() naming such a mailbox, and email that no mail
 * command can send.
 */
function voicemailTraps(cfg: LoadedConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  const boxes = cfg.voicemail.mailboxes;
  const search = cfg.voicemail.general.searchcontexts;
  const known = (box: string): boolean => boxes.has(withDefaultContext(box.trim())) || (search && !box.includes("@") && [...boxes.values()].some((b) => b.box === box.trim()));
  const objects: Array<{ kind: string; id: string; mailboxes: string; file: string; line: number }> = [
    ...[...cfg.pjsip.endpoints.values()].map((e) => ({ kind: "endpoint", id: e.id, mailboxes: e.mailboxes, file: e.file, line: e.line })),
    ...[...cfg.pjsip.aors.values()].map((a) => ({ kind: "aor", id: a.id, mailboxes: a.mailboxes, file: a.file, line: a.line })),
  ];
  for (const o of objects) {
    for (const box of o.mailboxes.split(",").map((b) => b.trim()).filter((b) => b.length > 0)) {
      if (!known(box)) out.push(warning(o.file, o.line, `${o.kind} ${o.id}: mailboxes=${box} is not a mailbox of voicemail.conf, so its MWI always says no messages: add '${box.split("@")[0]} => password,Full Name' to [${box.split("@")[1] ?? "default"}] of voicemail.conf`));
    }
  }
  for (const category of cfg.extensions?.categories ?? []) {
    for (const v of category.variables) {
      const m = /\b(VoiceMail|VoiceMailMain)\(([^,)]*)/i.exec(v.value);
      if (m === null) continue;
      const app = m[1] ?? "";
      for (const box of (m[2] ?? "").split("&").map((b) => b.trim())) {
        if (box.length === 0 || box.includes("$") || box.startsWith("@")) continue;
        if (!known(box)) out.push(warning(v.file, v.line, `${app}(${box}) in [${category.name}]: voicemail.conf has no mailbox ${withDefaultContext(box)}, so the call gets VMSTATUS=FAILED`));
      }
    }
  }
  const g = cfg.voicemail.general;
  const mailed = [...boxes.values()].find((b) => b.email.length > 0 || b.pager.length > 0);
  const command = g.mailcmd.trim().split(/\s+/)[0] ?? "";
  if (mailed !== undefined && g.smtpserver.length === 0 && command.startsWith("/") && !existsSync(command)) {
    out.push(warning(mailed.file, mailed.line, `mailbox ${mailed.box}@${mailed.context} has an email address, but mailcmd=${g.mailcmd} does not exist here: set smtpserver=host[:port] in voicemail.conf [general], or install a sendmail`));
  }
  return out;
}

/** Warnings for settings that load but will not work as the user probably expects. */
export function checkTraps(cfg: LoadedConfig): Diagnostic[] {
  return [...endpointTraps(cfg.pjsip), ...authTraps(cfg.pjsip), ...identifyTraps(cfg.pjsip), ...outboundProxyTraps(cfg.pjsip), ...voicemailTraps(cfg)];
}
