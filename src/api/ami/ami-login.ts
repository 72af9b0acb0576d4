/**
 * Login, Challenge and Logoff, and what a login attempt tells the guard. As Asterisk's manager.c
 * does, a failed login is answered after a one-second pause with `Authentication failed` and the
 * connection is closed; it logs one NOTICE (the lines fail2ban's asterisk filter matches) and
 * raises the security event AMI's Asterisk raises:
 *
 *   unknown user       InvalidAccountID   "<ip> tried to authenticate with nonexistent user '<user>'"
 *   address refused    FailedACL          "<ip> failed to pass IP ACL as '<user>'"
 *   wrong secret/key   InvalidPassword    "<ip> failed to authenticate as '<user>'"
 *   accepted           SuccessfulAuth     verbose 2 "Manager '<user>' logged on from <ip>"
 *   (any close)                           verbose 2 "Manager '<user>' logged off from <ip>"
 *
 * The guard counts these as it counts SIP digest failures (maxretry per user and address, then
 * the address), and a banned address or (address, user) pair is refused before the secret is
 * even compared, so a ban cannot be probed for the right password.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import type { Clock } from "../../core/clock.js";
import type { ManagerConfig, ManagerUser } from "../../config/index.js";
import type { SecurityEvent, SecurityEventStream, SecurityEventType } from "../../security/events.js";
import { aclAllows } from "../../pbx/pipeline/stages/endpoint-acl.js";
import { namedAclsAllow } from "../../config/acl/load-acl.js";
import { failure, success, type AmiAction, type AmiFields, type AmiReply } from "./ami-action.js";
import type { AmiSession } from "./ami-session.js";

export interface LoginServices {
  config: () => ManagerConfig;
  log: Logger;
  clock: Clock;
  security: SecurityEventStream;
  isBanned(ip: string): boolean;
  isUserBanned(ip: string, user: string): boolean;
  /** Sessions logged in as `user` now (allowmultiplelogin=no refuses another). */
  loggedInAs(user: string): number;
  /** Uptime and time since the last reload, in seconds (FullyBooted). */
  uptime(): { uptime: number; lastReload: number };
  /** Pause before answering a failed login; Asterisk sleeps one second. */
  failureDelayMs?: number;
}

const SOURCE = { [ASTERISK_SOURCE]: "manager.c" };

function sameSecret(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function loginActions(s: LoginServices): AmiAction[] {
  const fail = async (_session: AmiSession): Promise<AmiReply> => {
    await new Promise((r) => setTimeout(r, s.failureDelayMs ?? 1000));
    return { ...failure("Authentication failed"), close: true };
  };
  const publish = (session: AmiSession, type: SecurityEventType, account: string, extra: Partial<SecurityEvent> = {}): void => {
    s.security.publish({
      type,
      time: s.clock.now(),
      service: "AMI",
      accountId: account,
      sessionId: `ami-${session.id}`,
      local: { transport: session.transport, address: session.localAddress, port: session.localPort },
      remote: { transport: session.transport, address: session.remoteAddress, port: session.remotePort },
      method: "Login",
      username: account,
      ...extra,
    });
  };

  const login: AmiAction = {
    name: "Login",
    privilege: [],
    synopsis: "Login Manager.",
    async handle(req, caller) {
      const session = caller as AmiSession;
      if (session.authenticated) return success("Already authenticated");
      const username = req.get("Username") ?? "";
      const ip = session.remoteAddress;
      const user: ManagerUser | undefined = s.config().users.get(username);
      if (s.isBanned(ip)) return fail(session);
      if (user === undefined) {
        s.log.notice(SOURCE, `${ip} tried to authenticate with nonexistent user '${username}'`);
        publish(session, "InvalidAccountID", username);
        return fail(session);
      }
      if (!aclAllows(user.rules, ip) || !namedAclsAllow(user.acl, s.config().namedAcls, (rules) => aclAllows(rules, ip))) {
        s.log.notice(SOURCE, `${ip} failed to pass IP ACL as '${username}'`);
        publish(session, "FailedACL", username, { reason: "manager_acl" });
        return fail(session);
      }
      if (s.isUserBanned(ip, username)) return fail(session);
      const authType = (req.get("AuthType") ?? "").toLowerCase();
      let ok: boolean;
      if (authType === "md5") {
        const key = (req.get("Key") ?? "").toLowerCase();
        ok = session.challenge !== undefined && user.secret.length > 0 && sameSecret(key, createHash("md5").update(session.challenge + user.secret).digest("hex"));
      } else if (authType.length > 0) {
        ok = false;
      } else {
        ok = user.secret.length > 0 && sameSecret(req.get("Secret") ?? "", user.secret);
      }
      if (!ok) {
        s.log.notice(SOURCE, `${ip} failed to authenticate as '${username}'`);
        publish(session, "InvalidPassword", username, { ...(session.challenge !== undefined ? { challenge: session.challenge } : {}) });
        return fail(session);
      }
      const multiple = s.config().general.allowmultiplelogin && user.allowMultipleLogin;
      if (!multiple && s.loggedInAs(username) > 0) {
        s.log.notice(SOURCE, `${ip} tried to log in as '${username}', which is already logged in (allowmultiplelogin = no)`);
        return { ...failure("Login Already In Use"), close: true };
      }
      // Some clients send the singular Event: in their Login.
      const events = req.get("Events") ?? req.get("Event");
      if (events !== undefined) session.setEventMask(events);
      session.loggedIn(user);
      publish(session, "SuccessfulAuth", username);
      if (s.config().general.displayconnects && user.displayConnects) s.log.verbose(2, SOURCE, `Manager '${username}' logged on from ${ip}`);
      const reply = success("Authentication accepted");
      if (user.read.has("system") && session.eventsOn) {
        const t = s.uptime();
        const booted: AmiFields = [["Event", "FullyBooted"], ["Privilege", "system,all"], ["Uptime", t.uptime], ["LastReload", t.lastReload], ["Status", "Fully Booted"]];
        reply.trailing = [booted];
      }
      return reply;
    },
  };

  const challenge: AmiAction = {
    name: "Challenge",
    privilege: [],
    synopsis: "Generate Challenge for MD5 Auth.",
    handle(req, caller) {
      const session = caller as AmiSession;
      if ((req.get("AuthType") ?? "").toLowerCase() !== "md5") return failure("Must specify AuthType");
      session.challenge ??= String(randomInt(1, 2 ** 31 - 1));
      return { response: "Success", fields: [["Challenge", session.challenge]] };
    },
  };

  const logoff: AmiAction = {
    name: "Logoff",
    privilege: [],
    synopsis: "Logoff Manager.",
    handle() {
      // "Manager '<user>' logged off from <ip>" is the server's, written for every close.
      return { response: "Goodbye", fields: [["Message", "Thanks for all the fish."]], close: true };
    },
  };
  return [login, challenge, logoff];
}
