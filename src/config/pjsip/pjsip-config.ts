/** The typed result of loading pjsip.conf: every object by type, plus what went wrong. */
import type { Diagnostic } from "../diagnostic.js";
import type { AorConfig } from "./aor-schema.js";
import type { AuthConfig } from "./auth-schema.js";
import type { EndpointConfig } from "./endpoint-schema.js";
import type { GlobalConfig } from "./global-schema.js";
import type { IdentifyConfig } from "./identify-schema.js";
import type { SystemConfig } from "./system-schema.js";
import type { TransportConfig } from "./transport-schema.js";

export interface PjsipConfigResult {
  readonly transports: TransportConfig[];
  readonly endpoints: Map<string, EndpointConfig>;
  readonly aors: Map<string, AorConfig>;
  readonly auths: Map<string, AuthConfig>;
  readonly identifies: IdentifyConfig[];
  readonly global: GlobalConfig;
  readonly system: SystemConfig;
  readonly diagnostics: Diagnostic[];
  /** Files read: pjsip.conf first, then its includes. */
  readonly files: string[];
  /** Sections that had errors and were not created (a reload keeps their previous version). */
  readonly rejected: ReadonlyArray<{ type: string; id: string }>;
}
