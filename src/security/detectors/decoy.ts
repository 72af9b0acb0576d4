/**
 * Decoy accounts: usernames configured as traps (admin, test, 100 …). Scanners try them first;
 * no real user has them, so the first use is proof enough. A decoy that is also a real account
 * is not a trap (the operator created it on purpose) and is ignored.
 *
 * The To user is only an account name in REGISTER (the AOR); in an INVITE it is the dialled
 * number, which may well be a dialplan extension such as 100, so it is not checked there.
 */
import { cleanAttackerText, type Finding } from "./finding.js";

export interface DecoyInput {
  ip: string;
  method: string;
  userAgent: string;
  fromUser?: string | undefined;
  toUser?: string | undefined;
  authUser?: string | undefined;
}

export class DecoyDetector {
  constructor(
    /** Lower-cased decoy usernames. */
    private readonly decoys: () => ReadonlySet<string>,
    private readonly accountExists: (user: string) => boolean,
  ) {}

  check(info: DecoyInput): Finding | undefined {
    const decoys = this.decoys();
    if (decoys.size === 0) return undefined;
    for (const [field, user] of [["digest username", info.authUser], ["From user", info.fromUser], ["To user", info.toUser]] as const) {
      if (field === "To user" && info.method !== "REGISTER") continue;
      if (user === undefined || !decoys.has(user.toLowerCase()) || this.accountExists(user)) continue;
      const shown = cleanAttackerText(user);
      return {
        kind: "decoy",
        ip: info.ip,
        user,
        summary: `decoy account '${shown}' used as ${field}`,
        evidence: { decoy: shown, field, userAgent: cleanAttackerText(info.userAgent) },
      };
    }
    return undefined;
  }
}
