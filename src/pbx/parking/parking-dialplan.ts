/**
 * The extensions a parking lot makes in its context, as res_parking does: `parkext` parks
 * (`Park()`, or `Park(<lot>)` with parkext_exclusive=yes) and every space retrieves its call
 * (`ParkedCall(<lot>,<space>)`). Compiled with extensions.conf; the phones' context reaches them
 * with `include => parkedcalls`.
 */
import type { LoadedConfig } from "../../config/index.js";
import type { ParkingLot } from "../../config/parking/load-parking.js";

export function spaceName(lot: Pick<ParkingLot, "width">, n: number): string {
  return String(n).padStart(lot.width, "0");
}

export function parkingDialplan(cfg: LoadedConfig): string {
  const byContext = new Map<string, string[]>();
  for (const lot of cfg.parking.lots.values()) {
    const lines = byContext.get(lot.context) ?? [];
    if (lot.parkext !== "") lines.push(`exten => ${lot.parkext},1,Park(${lot.parkextExclusive ? lot.name : ""})`);
    for (let n = lot.first; n <= lot.last; n++) lines.push(`exten => ${spaceName(lot, n)},1,ParkedCall(${lot.name},${spaceName(lot, n)})`);
    byContext.set(lot.context, lines);
  }
  return [...byContext].map(([context, lines]) => `[${context}]\n${lines.join("\n")}\n`).join("\n");
}
