/**
 * The error catalog. Every error Switchboard raises on purpose carries one of these codes;
 * docs/errors.md lists each of them (a test keeps the two in sync).
 */
export const ERROR_CODES = {
  CONFIG_SYNTAX: "Configuration file syntax error",
  CONFIG_INVALID_VALUE: "Configuration option has an invalid value",
  CONFIG_UNKNOWN_OPTION: "Configuration option is not known",
  CONFIG_MISSING: "Configuration file or referenced object is missing",
  SIP_RESPONSE: "Request answered with a SIP error response",
  TRANSPORT: "SIP transport failure",
  INVALID_STATE: "Illegal state transition (programming error)",
  INVALID_ARGUMENT: "Bad API argument (programming error)",
  STORE: "Database failure",
  CLI_USAGE: "Console command used incorrectly",
  CLI_FAILURE: "Console command failed",
  CLI_UNKNOWN_COMMAND: "Console command not found",
  CONTROL_SOCKET: "Cannot reach the control socket of a running PBX",
  CONTROL_SOCKET_IN_USE: "Another Switchboard is already listening on the control socket",
  MEDIA_NO_PORTS: "No free RTP/RTCP port pair in the rtp.conf port range",
  MEDIA_FILE: "Sound file missing or in an unsupported format",
  TLS_CERT: "TLS certificate or key missing, unreadable or not usable",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class PbxError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PbxError";
    this.code = code;
  }
}

export class ConfigError extends PbxError {
  constructor(message: string, code: ErrorCode = "CONFIG_INVALID_VALUE") {
    super(code, message);
    this.name = "ConfigError";
  }
}

export class TransportError extends PbxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TRANSPORT", message, options);
    this.name = "TransportError";
  }
}

export class InvalidStateError extends PbxError {
  constructor(message: string) {
    super("INVALID_STATE", message);
    this.name = "InvalidStateError";
  }
}

/** Thrown by request handlers; the pipeline edge turns it into a SIP response. */
export class SipResponseError extends PbxError {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Plain words for the log line: what happened and what to change. */
  readonly detail: string | undefined;
  constructor(status: number, reason: string, headers: ReadonlyArray<readonly [string, string]> = [], detail?: string) {
    super("SIP_RESPONSE", detail ? `${status} ${reason}: ${detail}` : `${status} ${reason}`);
    this.name = "SipResponseError";
    this.status = status;
    this.reason = reason;
    this.headers = headers;
    this.detail = detail;
  }
}
