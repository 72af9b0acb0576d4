/**
 * pjsip.conf object types as data: each type is declared once, by a descriptor that names its
 * schema, how its objects are kept and which typed field of the result (if any) shows them. The
 * loader, the reload carry-over and the console read the descriptors instead of switching on the
 * type name, so a new type (`registration`, `domain_alias` …) is one descriptor in
 * object-types.ts and nothing else.
 */
import { PbxError } from "../../core/errors.js";
import type { Registrar } from "../../core/module.js";
import type { AnyOption, ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";
import type { PjsipStorage, PjsipTypedObjects } from "./pjsip-config.js";

export interface PjsipObjectDescriptor {
  /** The `type=` value; always the schema's type. */
  readonly type: string;
  readonly schema: ObjectSchema;
  readonly storage: PjsipStorage;
  /** The typed field of the result that shows this type's objects; none for generic-only types. */
  readonly field?: keyof PjsipTypedObjects;
  /** Section names (lower case) whose type is this one when `type=` is missing (`[global]`). */
  readonly impliedBy?: readonly string[];
}

/** What one storage kind holds for objects of `O`. */
type Stored<O extends readonly AnyOption[], S extends PjsipStorage> = S extends "keyed"
  ? Map<string, SchemaValues<O> & ObjectOrigin>
  : S extends "list"
    ? Array<SchemaValues<O> & ObjectOrigin>
    : SchemaValues<O> & ObjectOrigin;

/** The typed fields whose type is exactly `V` (so a descriptor cannot land in the wrong one). */
type FieldHolding<V> = {
  [K in keyof PjsipTypedObjects]-?: [PjsipTypedObjects[K]] extends [V] ? ([V] extends [PjsipTypedObjects[K]] ? K : never) : never;
}[keyof PjsipTypedObjects];

export interface PjsipObjectTypeSpec<O extends readonly AnyOption[], S extends PjsipStorage> {
  readonly schema: ObjectSchema<O>;
  readonly storage: S;
  readonly field?: FieldHolding<Stored<O, S>>;
  readonly impliedBy?: readonly string[];
}

/**
 * Declares an object type. The type checker holds `field` to the field whose type matches the
 * schema and storage: `endpointSchema` kept `keyed` can only land in `endpoints`.
 */
export function pjsipObjectType<O extends readonly AnyOption[], S extends PjsipStorage>(spec: PjsipObjectTypeSpec<O, S>): PjsipObjectDescriptor {
  const schema = spec.schema as ObjectSchema;
  return {
    type: schema.type,
    schema,
    storage: spec.storage,
    ...(spec.field === undefined ? {} : { field: spec.field }),
    ...(spec.impliedBy === undefined ? {} : { impliedBy: spec.impliedBy.map((n) => n.toLowerCase()) }),
  };
}

/**
 * The object types one load knows, in registration order (the order the sample file documents
 * them and messages list them). Types are registered before the configuration is loaded: the
 * configuration is read before any feature module starts.
 */
export class PjsipObjectTypes implements Registrar<PjsipObjectDescriptor> {
  private readonly types: PjsipObjectDescriptor[] = [];

  constructor(descriptors: readonly PjsipObjectDescriptor[] = []) {
    for (const d of descriptors) this.register(d);
  }

  /** Adds a type; returns its removal. Two descriptors for one type, or for one field, are a programming error. */
  register(descriptor: PjsipObjectDescriptor): () => void {
    if (this.get(descriptor.type) !== undefined) throw new PbxError("INVALID_ARGUMENT", `pjsip.conf object type '${descriptor.type}' is registered twice`);
    const sameField = descriptor.field === undefined ? undefined : this.types.find((t) => t.field === descriptor.field);
    if (sameField !== undefined) throw new PbxError("INVALID_ARGUMENT", `pjsip.conf object types '${sameField.type}' and '${descriptor.type}' both land in the field '${String(descriptor.field)}'`);
    this.types.push(descriptor);
    return () => {
      const i = this.types.indexOf(descriptor);
      if (i >= 0) this.types.splice(i, 1);
    };
  }

  list(): readonly PjsipObjectDescriptor[] {
    return [...this.types];
  }

  names(): string[] {
    return this.types.map((t) => t.type);
  }

  get(type: string): PjsipObjectDescriptor | undefined {
    return this.types.find((t) => t.type === type);
  }

  /** The type a section named `sectionName` has when it has no `type=`. */
  impliedBy(sectionName: string): PjsipObjectDescriptor | undefined {
    const lower = sectionName.toLowerCase();
    return this.types.find((t) => t.impliedBy?.includes(lower) === true);
  }

  /** A copy with `extra` registered after these types (the original is unchanged). */
  with(...extra: PjsipObjectDescriptor[]): PjsipObjectTypes {
    return new PjsipObjectTypes([...this.types, ...extra]);
  }
}
