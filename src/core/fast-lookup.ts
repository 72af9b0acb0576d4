/**
 * dgram resolves the destination of every send through `lookup`, by default `dns.lookup`, which
 * answers IP literals on the next tick: one deferred callback per packet. Our targets are almost
 * always IP literals, so this answers those synchronously and keeps DNS for host names. Pass it
 * as the `lookup` option of `dgram.createSocket`.
 */
import { lookup as dnsLookup } from "node:dns";
import { isIP } from "node:net";

export const fastLookup = ((host: string, family: unknown, cb: (err: Error | null, address: string, family: number) => void) => {
  const f = isIP(host);
  if (f !== 0) cb(null, host, f);
  else dnsLookup(host, family as number, cb as never);
}) as never;
