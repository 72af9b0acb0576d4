/**
 * Who starts the DTLS handshake (RFC 5763 §5, with the a=setup attribute of RFC 4145 §4):
 * the endpoint that is "active" is the DTLS client and sends the ClientHello; the "passive" one
 * is the server. The offerer may leave the choice to the answerer with "actpass".
 *
 *   offer        answer (ours, dtls_setup=…)        we are
 *   actpass      active (active, actpass) / passive   client / server
 *   active       passive                              server
 *   passive      active                               client
 *   (missing)    passive (RFC 4145: default active)   server
 */
export type DtlsSetup = "active" | "passive" | "actpass" | "holdconn";
export type DtlsRole = "client" | "server";

/** Reads an a=setup value; undefined when absent or unknown. */
export function parseSetup(value: unknown): DtlsSetup | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.toLowerCase();
  return v === "active" || v === "passive" || v === "actpass" || v === "holdconn" ? v : undefined;
}

/**
 * Our a=setup in an answer to `offered`, with the endpoint's dtls_setup. RFC 5763 §5: "The
 * answerer MUST use either a setup attribute value of setup:active or setup:passive … it is
 * RECOMMENDED that the answerer use setup:active" — so dtls_setup=actpass answers active.
 * Undefined when the offer cannot be answered (holdconn: no connection wanted).
 */
export function answerSetup(offered: DtlsSetup | undefined, configured: "active" | "passive" | "actpass"): "active" | "passive" | undefined {
  switch (offered) {
    case "actpass":
      return configured === "passive" ? "passive" : "active";
    case "active":
    case undefined:
      return "passive";
    case "passive":
      return "active";
    case "holdconn":
      return undefined;
  }
}

/** Our DTLS role once both a=setup values are known: ours and the peer's (answer or offer). */
export function roleOf(ours: DtlsSetup, theirs: DtlsSetup | undefined): DtlsRole | undefined {
  // An answer that repeats our active (or passive) contradicts RFC 5763 §5; baresip 1.0 answers
  // a=setup:active to an active offer and then listens as the server. The role we offered stands.
  if (ours === "active") return "client";
  if (ours === "passive") return "server";
  if (ours === "actpass") {
    // We offered actpass: the answerer's choice decides; an answer without a=setup is active (RFC 4145 default).
    if (theirs === "passive") return "client";
    if (theirs === "active" || theirs === undefined) return "server";
  }
  return undefined;
}
