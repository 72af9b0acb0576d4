/** Which packets `pjsip set logger` shows: everything, or only some hosts and methods. */
import { networkContains, parseNetwork, type IpNetwork } from "../../core/ip.js";

export class TraceFilter {
  enabled = false;
  private hosts: IpNetwork[] = [];
  private methods = new Set<string>();

  reset(): void {
    this.hosts = [];
    this.methods.clear();
  }

  addHost(text: string): boolean {
    const net = parseNetwork(text);
    if (!net) return false;
    this.hosts.push(net);
    return true;
  }

  setMethods(list: string[]): void {
    this.methods = new Set(list.map((m) => m.toUpperCase()));
  }

  addMethods(list: string[]): void {
    for (const m of list) this.methods.add(m.toUpperCase());
  }

  matches(address: string, method: string | undefined): boolean {
    if (!this.enabled) return false;
    if (this.hosts.length && !this.hosts.some((h) => networkContains(h, address))) return false;
    if (this.methods.size && (method === undefined || !this.methods.has(method))) return false;
    return true;
  }

  describe(): string {
    const parts: string[] = [];
    if (this.hosts.length) parts.push(`hosts ${this.hosts.map((h) => h.text).join(", ")}`);
    if (this.methods.size) parts.push(`methods ${[...this.methods].join(", ")}`);
    return parts.join("; ") || "all";
  }
}

/** The method of a request, or the CSeq method of a response, read cheaply from raw bytes. */
export function methodOf(data: Buffer): string | undefined {
  const head = data.subarray(0, Math.min(data.length, 2048)).toString("latin1");
  if (head.startsWith("SIP/")) {
    const m = /\r?\n(?:CSeq|cseq|CSEQ)\s*:\s*\d+\s+([A-Za-z]+)/.exec(head);
    return m?.[1]?.toUpperCase();
  }
  const sp = head.indexOf(" ");
  return sp > 0 ? head.slice(0, sp).toUpperCase() : undefined;
}
