/**
 * Messages between a UDP transport (main thread) and its socket thread (`udp-io-worker.ts`),
 * which holds the port while the transport is busy.
 * Datagrams cross in batches, one per event-loop turn and direction: their bytes packed into one
 * transferred buffer, with parallel arrays for lengths and peers, so a busy second of signalling
 * costs a few hundred messages, not one per datagram.
 */

export interface UdpIoConfig {
  family: 4 | 6;
  /** Requested SO_RCVBUF / SO_SNDBUF; the kernel may cap them. */
  bufferBytes: number;
}

/** Datagrams packed back to back in `bytes`. */
export interface DatagramBatch {
  bytes: ArrayBuffer;
  lengths: number[];
  addresses: string[];
  ports: number[];
}

export type ToSocketThread =
  /**
   * Take over the port: bind it beside the main thread's socket (both SO_REUSEADDR, and Linux
   * delivers to the socket bound last), so no datagram finds the port closed.
   */
  | { t: "bind"; address: string; port: number }
  /**
   * Give the port back (the main thread has bound it again, so nothing new arrives here): keep
   * passing on what is still queued for `drainMs`, then close the socket and say "unbound".
   */
  | { t: "unbind"; drainMs: number }
  | ({ t: "tx"; batch: number; reply: boolean } & DatagramBatch)
  | { t: "close" };

export type FromSocketThread =
  /** The thread has started and listens for commands. */
  | { t: "ready" }
  | { t: "bound"; address: string; port: number }
  | { t: "bindError"; message: string }
  | ({ t: "rx" } & DatagramBatch)
  /** Every send of batch `batch` has completed; `errors` lists [index in batch, message] of those that failed. */
  | { t: "sent"; batch: number; errors: Array<[number, string]> }
  | { t: "socketError"; message: string }
  | { t: "unbound" };

/** Packs datagrams into one buffer (copied, so the caller's buffers stay theirs). */
export function packDatagrams(datas: readonly Uint8Array[], addresses: string[], ports: number[]): DatagramBatch {
  let total = 0;
  for (const d of datas) total += d.length;
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const lengths = new Array<number>(datas.length);
  let off = 0;
  for (let i = 0; i < datas.length; i++) {
    const d = datas[i] as Uint8Array;
    view.set(d, off);
    off += d.length;
    lengths[i] = d.length;
  }
  return { bytes, lengths, addresses, ports };
}

/** Calls `fn` for each datagram of a batch, as a Buffer view of the batch's bytes. */
export function forEachDatagram(batch: DatagramBatch, fn: (data: Buffer, address: string, port: number, index: number) => void): void {
  const all = Buffer.from(batch.bytes);
  let off = 0;
  for (let i = 0; i < batch.lengths.length; i++) {
    const len = batch.lengths[i] as number;
    fn(all.subarray(off, off + len), batch.addresses[i] as string, batch.ports[i] as number, i);
    off += len;
  }
}
