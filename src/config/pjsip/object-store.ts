/**
 * The collections a pjsip.conf load fills, one per registered object type and shaped by the
 * type's storage kind, and the result object whose typed fields are views of them.
 */
import { PbxError } from "../../core/errors.js";
import type { Diagnostic } from "../diagnostic.js";
import { defaultValues } from "../schema/apply.js";
import type { ObjectSchema } from "../schema/types.js";
import type { PjsipObjectDescriptor, PjsipObjectTypes } from "./object-descriptor.js";
import type { PjsipConfigResult, PjsipObject, PjsipObjects, PjsipStorage, PjsipTypedObjects } from "./pjsip-config.js";

/** A collection plus the value its typed field shows (the Map, the array or the one object). */
interface StoredObjects extends PjsipObjects {
  view(): unknown;
}

class KeyedObjects implements StoredObjects {
  readonly storage = "keyed";
  private readonly byId = new Map<string, PjsipObject>();
  constructor(
    readonly type: string,
    readonly schema: ObjectSchema,
  ) {}
  all(): readonly PjsipObject[] {
    return [...this.byId.values()];
  }
  get(id: string): PjsipObject | undefined {
    return this.byId.get(id);
  }
  add(object: PjsipObject): void {
    this.byId.set(object.id, object);
  }
  keep(previous: PjsipObject): boolean {
    if (this.byId.has(previous.id)) return false;
    this.byId.set(previous.id, previous);
    return true;
  }
  view(): unknown {
    return this.byId;
  }
}

class ListedObjects implements StoredObjects {
  readonly storage = "list";
  private readonly items: PjsipObject[] = [];
  constructor(
    readonly type: string,
    readonly schema: ObjectSchema,
  ) {}
  all(): readonly PjsipObject[] {
    return [...this.items];
  }
  get(id: string): PjsipObject | undefined {
    return this.items.find((o) => o.id === id);
  }
  add(object: PjsipObject): void {
    this.items.push(object);
  }
  keep(previous: PjsipObject): boolean {
    if (this.get(previous.id) !== undefined) return false;
    this.items.push(previous);
    return true;
  }
  view(): unknown {
    return this.items;
  }
}

class SingletonObject implements StoredObjects {
  readonly storage = "singleton";
  private value: PjsipObject;
  /** False while `value` is the schema's defaults rather than a section's object. */
  private fromSection = false;
  constructor(
    readonly type: string,
    readonly schema: ObjectSchema,
    fileName: string,
  ) {
    // Line 0: the object is about the file as a whole, no section wrote it.
    this.value = { ...defaultValues(schema), id: type, file: fileName, line: 0 };
  }
  all(): readonly PjsipObject[] {
    return [this.value];
  }
  get(id: string): PjsipObject | undefined {
    return this.fromSection && this.value.id === id ? this.value : undefined;
  }
  add(object: PjsipObject): void {
    this.value = object;
    this.fromSection = true;
  }
  keep(previous: PjsipObject): boolean {
    if (this.fromSection) return false;
    this.add(previous);
    return true;
  }
  view(): unknown {
    return this.value;
  }
}

function collectionFor(d: PjsipObjectDescriptor, fileName: string): StoredObjects {
  const kinds: Record<PjsipStorage, () => StoredObjects> = {
    keyed: () => new KeyedObjects(d.type, d.schema),
    list: () => new ListedObjects(d.type, d.schema),
    singleton: () => new SingletonObject(d.type, d.schema, fileName),
  };
  return kinds[d.storage]();
}

/** Every typed field, so a registry without the type behind one is caught at once. */
const TYPED_FIELDS: Record<keyof PjsipTypedObjects, true> = { transports: true, endpoints: true, aors: true, auths: true, identifies: true, registrations: true, global: true, system: true };

export interface PjsipObjectStoreOptions {
  readonly types: PjsipObjectTypes;
  /** The main file, which a singleton's defaults name as their origin. */
  readonly fileName: string;
  readonly files: string[];
  /** The load's diagnostics; the loader keeps adding to this array. */
  readonly diagnostics: Diagnostic[];
}

/** The objects of one pjsip.conf load, empty until the loader adds to `byType`. */
export class PjsipObjectStore implements PjsipConfigResult {
  readonly byType: ReadonlyMap<string, PjsipObjects>;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
  readonly rejected: Array<{ type: string; id: string }> = [];
  private readonly fields = new Map<keyof PjsipTypedObjects, StoredObjects>();

  constructor(opts: PjsipObjectStoreOptions) {
    this.diagnostics = opts.diagnostics;
    this.files = opts.files;
    const byType = new Map<string, StoredObjects>();
    for (const d of opts.types.list()) {
      const c = collectionFor(d, opts.fileName);
      byType.set(d.type, c);
      if (d.field !== undefined) this.fields.set(d.field, c);
    }
    this.byType = byType;
    for (const f of Object.keys(TYPED_FIELDS) as Array<keyof PjsipTypedObjects>) {
      if (!this.fields.has(f)) throw new PbxError("INVALID_ARGUMENT", `no registered pjsip.conf object type lands in the field '${f}'`);
    }
  }

  objectsOf(type: string): readonly PjsipObject[] {
    return this.byType.get(type)?.all() ?? [];
  }

  // The descriptor's `field` was checked against the field's type when it was declared
  // (pjsipObjectType), which is what makes this one cast sound.
  private view<K extends keyof PjsipTypedObjects>(field: K): PjsipTypedObjects[K] {
    return this.fields.get(field)?.view() as PjsipTypedObjects[K];
  }

  get transports(): PjsipTypedObjects["transports"] {
    return this.view("transports");
  }
  get endpoints(): PjsipTypedObjects["endpoints"] {
    return this.view("endpoints");
  }
  get aors(): PjsipTypedObjects["aors"] {
    return this.view("aors");
  }
  get auths(): PjsipTypedObjects["auths"] {
    return this.view("auths");
  }
  get identifies(): PjsipTypedObjects["identifies"] {
    return this.view("identifies");
  }
  get registrations(): PjsipTypedObjects["registrations"] {
    return this.view("registrations");
  }
  get global(): PjsipTypedObjects["global"] {
    return this.view("global");
  }
  get system(): PjsipTypedObjects["system"] {
    return this.view("system");
  }
}
