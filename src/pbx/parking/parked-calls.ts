/**
 * The calls parked in each lot: which space holds which channel, who parked it, since when.
 * Spaces are taken as findslot says: `first` the lowest free one, `next` the one after the space
 * given last (wrapping round).
 */
import type { ParkingLot } from "../../config/parking/load-parking.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import { spaceName } from "./parking-dialplan.js";

export interface ParkedCall {
  readonly lot: string;
  readonly space: string;
  readonly channel: DivertedChannel;
  /** The channel that parked it (the transferor of a blind transfer to parkext, else the channel itself). */
  readonly parker: string;
  readonly since: number;
  readonly timeoutSec: number;
  /** Ends the wait in Park(): the call was retrieved (ParkedCall) and is being moved. */
  take(): void;
}

export class ParkedCalls {
  private readonly byLot = new Map<string, Map<string, ParkedCall>>();
  private readonly lastGiven = new Map<string, number>();

  /** A free space of `lot` (`wanted` first, when it is one of its spaces and free). */
  freeSpace(lot: ParkingLot, wanted?: string): string | undefined {
    const used = this.byLot.get(lot.name) ?? new Map<string, ParkedCall>();
    if (wanted !== undefined && wanted !== "") {
      const n = Number(wanted);
      if (/^\d+$/.test(wanted) && n >= lot.first && n <= lot.last && !used.has(spaceName(lot, n))) return spaceName(lot, n);
    }
    const count = lot.last - lot.first + 1;
    // A last space from before a reload that changed the range starts from the lot's first.
    const last = this.lastGiven.get(lot.name);
    const from = last !== undefined && last >= lot.first && last <= lot.last ? last + 1 - lot.first : 0;
    const start = lot.findslot === "next" ? from % count : 0;
    for (let i = 0; i < count; i++) {
      const n = lot.first + ((start + i) % count);
      if (!used.has(spaceName(lot, n))) return spaceName(lot, n);
    }
    return undefined;
  }

  add(p: ParkedCall): void {
    let m = this.byLot.get(p.lot);
    if (m === undefined) {
      m = new Map<string, ParkedCall>();
      this.byLot.set(p.lot, m);
    }
    m.set(p.space, p);
    this.lastGiven.set(p.lot, Number(p.space));
  }

  get(lot: string, space: string): ParkedCall | undefined {
    return this.byLot.get(lot)?.get(space);
  }

  remove(p: ParkedCall): void {
    const m = this.byLot.get(p.lot);
    if (m?.get(p.space) === p) m.delete(p.space);
  }

  list(lot?: string): ParkedCall[] {
    const lots = lot === undefined ? [...this.byLot.values()] : [this.byLot.get(lot) ?? new Map<string, ParkedCall>()];
    return lots.flatMap((m) => [...m.values()]).sort((a, b) => a.lot.localeCompare(b.lot) || Number(a.space) - Number(b.space));
  }
}
