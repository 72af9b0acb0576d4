/**
 * Scanner signatures: User-Agent substrings of known attack tools (friendly-scanner is
 * sipvicious' default) matched case-insensitively, and configurable regular expressions matched
 * against the user part of the From and To URIs. One match is enough: these tools have no
 * legitimate use against someone else's PBX.
 */
import { cleanAttackerText, type Finding } from "./finding.js";

export interface ScannerSignatures {
  /** Lower-cased substrings. */
  userAgents: readonly string[];
  uriPatterns: readonly RegExp[];
}

export function compileSignatures(userAgents: readonly string[], uriPatterns: readonly string[]): ScannerSignatures {
  const patterns: RegExp[] = [];
  for (const p of uriPatterns) {
    try {
      patterns.push(new RegExp(p, "i"));
    } catch {
      // The schema refuses invalid expressions; a leftover one is skipped rather than fatal.
    }
  }
  return { userAgents: [...new Set(userAgents.map((u) => u.toLowerCase()).filter((u) => u.length > 0))], uriPatterns: patterns };
}

export interface ScannerInput {
  ip: string;
  userAgent: string;
  fromUser?: string | undefined;
  toUser?: string | undefined;
}

export class ScannerSignatureDetector {
  constructor(private readonly signatures: () => ScannerSignatures) {}

  /** The finding when `info` carries a scanner signature. */
  check(info: ScannerInput): Finding | undefined {
    const sig = this.signatures();
    if (info.userAgent.length > 0 && sig.userAgents.length > 0) {
      const ua = info.userAgent.toLowerCase();
      const hit = sig.userAgents.find((s) => ua.includes(s));
      if (hit !== undefined) {
        const shown = cleanAttackerText(info.userAgent);
        return {
          kind: "scanner",
          ip: info.ip,
          summary: `scanner User-Agent '${shown}'`,
          evidence: { signature: hit, userAgent: shown },
        };
      }
    }
    for (const re of sig.uriPatterns) {
      for (const [field, user] of [["From", info.fromUser], ["To", info.toUser]] as const) {
        if (user !== undefined && re.test(user)) {
          const shown = cleanAttackerText(user);
          return {
            kind: "scanner",
            ip: info.ip,
            summary: `scanner pattern /${re.source}/ in ${field} user '${shown}'`,
            evidence: { signature: re.source, field, user: shown, userAgent: cleanAttackerText(info.userAgent) },
          };
        }
      }
    }
    return undefined;
  }
}
