/**
 * The typed result of loading pjsip.conf: every object by type, plus what went wrong.
 *
 * The objects of each type live in one collection (`byType`), filled by the loader from the
 * type's descriptor (object-descriptor.ts). The fields the rest of the program reads
 * (`endpoints`, `aors` …) are views of those collections, so a carried-over object shows up in
 * both; a type without a field of its own is still loaded, listed and carried over on reload
 * through `byType` and `objectsOf`.
 */
import type { Diagnostic } from "../diagnostic.js";
import type { ObjectOrigin, ObjectSchema } from "../schema/types.js";
import type { AorConfig } from "./aor-schema.js";
import type { AuthConfig } from "./auth-schema.js";
import type { EndpointConfig } from "./endpoint-schema.js";
import type { GlobalConfig } from "./global-schema.js";
import type { IdentifyConfig } from "./identify-schema.js";
import type { RegistrationConfig } from "./registration-schema.js";
import type { SystemConfig } from "./system-schema.js";
import type { TransportConfig } from "./transport-schema.js";

/**
 * How the objects of one type are kept: `keyed` by section name (endpoint, aor, auth), `list` in
 * file order (transport, identify: their order matters and the console lists them so), or one
 * `singleton` that holds the schema's defaults until a section sets it (global, system).
 */
export type PjsipStorage = "keyed" | "list" | "singleton";

/** One loaded object of any type: its option values under their schema keys, and its origin. */
export type PjsipObject = ObjectOrigin & { readonly [key: string]: unknown };

/** The objects of one type in a load. */
export interface PjsipObjects {
  readonly type: string;
  readonly storage: PjsipStorage;
  readonly schema: ObjectSchema;
  /** Every object in load order; a singleton gives its one object, the defaults if no section set it. */
  all(): readonly PjsipObject[];
  /** The object a section named `id` created; a singleton's defaults are no section's object. */
  get(id: string): PjsipObject | undefined;
  /** Adds an object built from a section (a singleton's later section replaces the earlier one). */
  add(object: PjsipObject): void;
  /**
   * Puts back the previous version of an object whose section was rejected on reload, unless
   * this load has one with its id (for a singleton: unless a section set it). True when kept.
   */
  keep(previous: PjsipObject): boolean;
}

/** The object types the rest of the program reads through a typed field. */
export interface PjsipTypedObjects {
  readonly transports: TransportConfig[];
  readonly endpoints: Map<string, EndpointConfig>;
  readonly aors: Map<string, AorConfig>;
  readonly auths: Map<string, AuthConfig>;
  readonly identifies: IdentifyConfig[];
  readonly registrations: Map<string, RegistrationConfig>;
  readonly global: GlobalConfig;
  readonly system: SystemConfig;
}

export interface PjsipConfigResult extends PjsipTypedObjects {
  /** The collection of every registered type, in registration order, by type name. */
  readonly byType: ReadonlyMap<string, PjsipObjects>;
  /** The objects of `type` in load order; empty for a type that is not registered. */
  objectsOf(type: string): readonly PjsipObject[];
  readonly diagnostics: Diagnostic[];
  /** Files read: pjsip.conf first, then its includes. */
  readonly files: string[];
  /** Sections that had errors and were not created (a reload keeps their previous version). */
  readonly rejected: ReadonlyArray<{ type: string; id: string }>;
}
