/**
 * Loads res_parking.conf (optional): `[general]`, and every other section as a parking lot.
 * The lot `default` is there without the file, with Asterisk's defaults. A lot whose parkpos is
 * not a range of numbers, or whose spaces meet another lot's in the same context, is an error and
 * left out.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { parkingGeneralSchema, parkingLotSchema, type ParkingLotValues } from "./parking-schema.js";

export interface ParkingLot extends ParkingLotValues {
  readonly name: string;
  /** The first and last space. */
  readonly first: number;
  readonly last: number;
  /** The spaces' digit count (701 → 3), for zero-padded ranges like 01-10. */
  readonly width: number;
}

export interface ParkingConfig {
  readonly lots: ReadonlyMap<string, ParkingLot>;
}

export interface ParkingConfigResult {
  readonly config: ParkingConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

/** `701-720` → [701, 720, 3]; undefined when not a range of numbers. */
export function parseParkpos(text: string): [number, number, number] | undefined {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  return last >= first ? [first, last, (m[1] ?? "").length] : undefined;
}

export function buildParkingConfig(parsed: ParsedConfig | undefined): ParkingConfigResult {
  const sink = new DiagnosticSink();
  const lots = new Map<string, ParkingLot>();
  const seen = new Set<string>();
  const add = (name: string, values: ParkingLotValues, file: string, line: number): void => {
    const range = parseParkpos(values.parkpos);
    if (range === undefined) {
      sink.error(file, line, `res_parking.conf [${name}]: parkpos=${values.parkpos} is not a range of numbers like 701-720; the lot is left out`);
      return;
    }
    const [first, last, width] = range;
    for (const other of lots.values()) {
      if (other.context === values.context && first <= other.last && last >= other.first) {
        sink.error(file, line, `res_parking.conf [${name}]: spaces ${values.parkpos} meet lot '${other.name}' (${other.parkpos}) in context ${values.context}; the lot is left out`);
        return;
      }
    }
    lots.set(name, { ...values, name, first, last, width });
  };
  if (parsed !== undefined) {
    sink.addAll(parsed.diagnostics);
    for (const category of visibleCategories(parsed)) {
      if (category.name === "general") applyObject(parkingGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen });
      else add(category.name, applyObject(parkingLotSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values, category.file, category.line);
    }
  }
  if (!lots.has("default")) add("default", defaultValues(parkingLotSchema), "res_parking.conf", 0);
  return { config: { lots }, diagnostics: sink.items, files: parsed?.files ?? [] };
}
