/**
 * `type=endpoint`: the SIP account/trunk profile — dialplan context, codecs, media and NAT
 * behaviour, and references to its AORs and credentials (reference §1.4–1.6). Defaults are
 * Asterisk's, including the NAT-hostile ones (`direct_media=yes`, `rtp_symmetric=no`,
 * `rewrite_contact=no`) that `switchboard check` warns about.
 */
import { aclRules, bool, codecs, list, oneOf, oneOfList, str, uint } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;
/** How `pjsip show endpoint` prints options whose printer differs from true/false (see OptionDisplay). */
const HIDDEN = { display: { hidden: true } } as const;
const YES_NO = { display: { booleans: "yes/no" } } as const;
const YES_NO_CAPITAL = { display: { booleans: "Yes/No" } } as const;
/** Asterisk's default codec negotiation preferences (`codec_prefs_*`). */
const CODEC_PREFS_INTERSECT = "prefer:pending, operation:intersect, keep:all, transcode:allow";
const CODEC_PREFS_UNION = "prefer:pending, operation:union, keep:all, transcode:allow";
const CALL_OFFER_PREFS_IN = ["local", "local_first", "remote", "remote_first"] as const;
const CALL_OFFER_PREFS_OUT = ["local", "local_merge", "local_first", "remote", "remote_merge", "remote_first"] as const;
const DIRECT_MEDIA_METHODS = ["invite", "reinvite", "update"] as const;
const CALLERID_PRIVACY = [
  "allowed_not_screened", "allowed_passed_screen", "allowed_failed_screen", "allowed",
  "prohib_not_screened", "prohib_passed_screen", "prohib_failed_screen", "prohib", "unavailable",
] as const;

const endpointOptions = [
  // Identity and routing.
  str("context", "default", "Dialplan context for calls from this endpoint."),
  list("aors", "AORs (comma list) used to reach this endpoint; also where its registrations are stored."),
  list("auth", "Auth sections used to challenge requests from this endpoint."),
  // Calls to this endpoint (a trunk): outbound_auth answers 401/407 to INVITE, re-INVITE, UPDATE
  // and BYE; transport= picks the transport for static contacts and outbound_proxy (a registered
  // contact is reached where its REGISTER came from).
  list("outbound_auth", "Auth sections used to answer challenges from this endpoint."),
  str("transport", "", "Transport to force for this endpoint; empty = first compatible transport."),
  oneOfList("identify_by", ["username", "auth_username", "ip", "header", "request_uri"] as const, ["username", "ip"], "How requests are matched to this endpoint (and REGISTER to its AOR)."),
  str("callerid", "", 'Caller ID for calls from this endpoint: "Name" <number>.'),
  oneOf("callerid_privacy", CALLERID_PRIVACY, "allowed_not_screened", "Caller ID presentation."),
  str("callerid_tag", "", "Internal tag stored with the caller ID.", NOT_YET),
  str("from_user", "", "User part of From in requests to this endpoint (trunks)."),
  str("from_domain", "", "Domain of From in requests to this endpoint (trunks)."),
  str("contact_user", "", "User part of the Contact we send to this endpoint.", HIDDEN),
  str("outbound_proxy", "", "Proxy URI that requests to this endpoint are sent through."),
  str("language", "", "Language of the prompts played to this endpoint's calls (sounds/<language>/; default: asterisk.conf defaultlanguage, else en)."),
  str("accountcode", "", "Account code of the endpoint's channels: AccountCode in AMI events, accountcode in call detail records (cdr-csv/<accountcode>.csv too)."),
  list("set_var", "Channel variable (name=value) set on every call. Repeatable.", { repeat: "append", separator: /\n/, ...NOT_YET }),
  str("message_context", "", "Dialplan context for MESSAGE requests.", NOT_YET),
  str("subscribe_context", "", "Dialplan context where a SUBSCRIBE's Request-URI user is looked up as a hint (dialog, presence); empty: the endpoint's context."),
  str("tenantid", "", "Tenant id stored on channels.", NOT_YET),
  bool("user_eq_phone", false, "Add ;user=phone to URIs whose user is a phone number.", NOT_YET),
  // Codecs.
  codecs("disallow", "disallow", "Codecs to remove (all clears the list).", { key: "allow", ...HIDDEN }),
  codecs("allow", "allow", "Codecs in preference order (all, !codec, codec:ptime). Repeatable."),
  bool("preferred_codec_only", false, "Answer with only the most preferred common codec.", NOT_YET),
  oneOf("incoming_call_offer_pref", CALL_OFFER_PREFS_IN, "local", "Codec order when answering an incoming offer.", NOT_YET),
  oneOf("outgoing_call_offer_pref", CALL_OFFER_PREFS_OUT, "remote_merge", "Codec order when offering on an outgoing call.", NOT_YET),
  str("codec_prefs_incoming_offer", CODEC_PREFS_INTERSECT, "Codec negotiation preferences for offers received (prefer, operation, keep, transcode).", NOT_YET),
  str("codec_prefs_outgoing_offer", CODEC_PREFS_UNION, "Codec negotiation preferences for offers sent.", NOT_YET),
  str("codec_prefs_incoming_answer", CODEC_PREFS_INTERSECT, "Codec negotiation preferences for answers received.", NOT_YET),
  str("codec_prefs_outgoing_answer", CODEC_PREFS_INTERSECT, "Codec negotiation preferences for answers sent.", NOT_YET),
  bool("asymmetric_rtp_codec", false, "Allow sending and receiving different codecs.", NOT_YET),
  uint("max_audio_streams", 1, "Most audio streams in an SDP.", NOT_YET),
  uint("max_video_streams", 1, "Most video streams in an SDP.", NOT_YET),
  bool("g726_non_standard", false, "Use AAL2 packing for G.726.", NOT_YET),
  // DTMF.
  // RFC 4733 events are relayed untouched with the audio; nothing detects or generates inband
  // tones or SIP INFO, and telephone-event is always offered, so only rfc4733 works.
  oneOf("dtmf_mode", ["rfc4733", "inband", "none", "info", "auto", "auto_info"] as const, "rfc4733", "How DTMF is sent and received.", {
    hint: "the RFC 2833 method is spelled rfc4733 in pjsip.conf",
  }),
  // NAT and media path.
  bool("direct_media", true, "Let media flow directly between endpoints; set no behind NAT."),
  oneOf("direct_media_method", DIRECT_MEDIA_METHODS, "invite", "Method used to redirect media.", NOT_YET),
  oneOf("direct_media_glare_mitigation", ["none", "outgoing", "incoming"] as const, "none", "Avoid glare when redirecting media.", NOT_YET),
  bool("disable_direct_media_on_nat", false, "Turn direct media off when the endpoint is behind NAT.", NOT_YET),
  oneOf("connected_line_method", DIRECT_MEDIA_METHODS, "invite", "Method used to update connected line.", NOT_YET),
  bool("rtp_symmetric", false, "Send RTP back to the address RTP arrives from (comedia); set yes behind NAT."),
  // Responses always go back to the packet's source (sip/transaction), as with yes.
  bool("force_rport", true, "Reply to the source address and port of requests (RFC 3581).", { unimplementedValues: [false] }),
  bool("rewrite_contact", false, "Replace Contact with the request's source address; set yes behind NAT."),
  bool("rtp_ipv6", false, "Use IPv6 for RTP.", NOT_YET),
  str("media_address", "", "Address written into SDP c= lines for this endpoint."),
  bool("bind_rtp_to_media_address", false, "Also bind RTP sockets to media_address.", NOT_YET),
  bool("media_use_received_transport", false, "Use the transport of the incoming request for media.", NOT_YET),
  uint("rtp_keepalive", 0, "Seconds between comfort-noise keepalives while no RTP is sent; 0 = off."),
  uint("rtp_timeout", 0, "Hang up after this many seconds without RTP; 0 = never."),
  uint("rtp_timeout_hold", 0, "Hang up a held call after this many seconds without RTP; 0 = never."),
  uint("rtp_port_start", 0, "First RTP port for this endpoint (set with rtp_port_end; at least 1024).", NOT_YET),
  uint("rtp_port_end", 0, "Last RTP port for this endpoint (set with rtp_port_start).", NOT_YET),
  str("rtp_engine", "asterisk", "RTP engine name (only the built-in one exists).", NOT_YET),
  bool("ice_support", false, "ICE (RFC 8445) on this endpoint's media: our offers and answers to ICE offers carry a=ice-ufrag/ice-pwd and host, server-reflexive (rtp.conf stunaddr) and relayed (turnaddr) candidates; the RTP ports answer connectivity checks and run their own; media goes to the selected pair. Phones without ICE are unaffected."),
  bool("use_ptime", false, "Use the ptime of the remote offer.", NOT_YET),
  bool("rtcp_mux", false, "Multiplex RTCP on the RTP port (RFC 5761): offered with a=rtcp-mux, and taken when the peer's offer has it."),
  bool("bundle", false, "Bundle media streams on one transport (RFC 8843).", NOT_YET),
  bool("inband_progress", false, "Send 183 with early media instead of 180 for ringing.", NOT_YET),
  // Media encryption.
  oneOf("media_encryption", ["no", "sdes", "dtls"] as const, "no", "SRTP keying: no (plain RTP), sdes (keys in SDP) or dtls (DTLS-SRTP).", {
    hint: "for SRTP with keys in the SDP write media_encryption=sdes; for DTLS-SRTP media_encryption=dtls",
  }),
  // Optimistic: SRTP when the peer offers or accepts keys, else plain RTP (media/sdp/transport-check.ts).
  bool("media_encryption_optimistic", false, "Encrypt when the peer supports it, else fall back to RTP."),
  bool("use_avpf", false, "Use the AVPF RTP profile (WebRTC)."),
  bool("force_avp", false, "Always answer with the plain RTP/AVP profile."),
  bool("srtp_tag_32", false, "SDES-SRTP: prefer AES_CM_128_HMAC_SHA1_32 (32-bit authentication tag) in offers and answers."),
  bool("webrtc", false, "WebRTC preset: rtcp_mux, use_avpf, ice_support, media_use_received_transport, bundle, media_encryption=dtls, dtls_verify=fingerprint, dtls_setup=actpass, an ephemeral certificate unless dtls_cert_file is set, no dtls_rekey.", YES_NO),
  // Asterisk prints only whether anything is verified.
  oneOf("dtls_verify", ["no", "fingerprint", "certificate", "yes"] as const, "no", "What to verify of the peer's DTLS certificate: fingerprint (matches its SDP a=fingerprint), certificate (signed by dtls_ca_file/dtls_ca_path, within its validity), yes (both); a failed check relays no media.", {
    display: { text: (v) => (v === "no" ? "No" : "Yes") },
  }),
  uint("dtls_rekey", 0, "Seconds between DTLS renegotiations; 0 = never.", {
    ...NOT_YET,
    hint: "we never start a renegotiation; one the phone starts is answered and re-keys SRTP",
  }),
  bool("dtls_auto_generate_cert", false, "Generate an ephemeral DTLS certificate (ECDSA P-256, one per process); wins over dtls_cert_file.", YES_NO_CAPITAL),
  str("dtls_cert_file", "", "DTLS certificate file (PEM; ECDSA P-256 or RSA); its key may be in the same file."),
  str("dtls_private_key", "", "DTLS private key file (PEM) of dtls_cert_file."),
  str("dtls_cipher", "", "Allowed DTLS ciphers.", {
    ...NOT_YET,
    hint: "DTLS uses TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, as the certificate's key says",
  }),
  str("dtls_ca_file", "", "Trusted CA file (PEM) for dtls_verify=certificate|yes."),
  str("dtls_ca_path", "", "Directory of trusted CA files (*.pem, *.crt, *.cer) for dtls_verify=certificate|yes."),
  oneOf("dtls_setup", ["active", "passive", "actpass"] as const, "active", "DTLS role (a=setup) we offer; answering an actpass offer, passive stays passive and the others become active (RFC 5763 §5)."),
  oneOf("dtls_fingerprint", ["SHA-256", "SHA-1"] as const, "SHA-256", "Hash of our certificate's fingerprint in a=fingerprint."),
  // SIP session features.
  oneOf("100rel", ["no", "required", "peer_supported", "yes"] as const, "yes", "Reliable provisional responses (RFC 3262) to this endpoint's calls: yes = when the caller requires them; peer_supported = when it supports them; required = always (421 to callers without 100rel); no = never (420 to callers requiring it).", { key: "rel100" }),
  oneOf("timers", ["no", "yes", "required", "always", "forced"] as const, "yes", "Session timers (RFC 4028): yes = when the caller asks with Session-Expires; always/forced = also when it only supports them; required = 421 to callers without timer support; no = ignored. The caller refreshes; without a refresh the call is hung up."),
  uint("timers_min_se", 90, "Smallest session interval accepted (s); shorter Session-Expires get 422 with Min-SE. At least 90.", {
    check: (v) => (v < 90 ? "Session timer minimum expires time must be 90 or greater" : undefined),
  }),
  uint("timers_sess_expires", 1800, "Session interval (s) we put in the 200 OK when the caller supports timers without asking for one (timers=always/forced/required)."),
  bool("allow_transfer", true, "Accept REFER (blind and attended call transfer); no: REFER is answered 603 Declined."),
  list("follow_redirect_methods", "Methods whose 3xx responses are followed (only MESSAGE exists).", NOT_YET),
  bool("refer_blind_progress", true, "Blind transfer: NOTIFY the transferor of the transferred call's progress (180, then its outcome); no: 200 OK at once."),
  oneOf("redirect_method", ["user", "uri_core", "uri_pjsip"] as const, "user", "How 3xx redirects are followed.", NOT_YET),
  bool("allow_subscribe", true, "Accept SUBSCRIBE requests (no: 603 Decline)."),
  uint("sub_min_expiry", 0, "Shortest subscription expiry accepted (s).", NOT_YET),
  bool("allow_unauthenticated_options", false, "Answer OPTIONS without challenging."),
  bool("allow_overlap", true, "Accept overlap dialing (484 handling).", NOT_YET),
  str("overlap_context", "", "Context used for overlap dialing matches.", NOT_YET),
  bool("follow_early_media_fork", true, "Follow forked early media.", NOT_YET),
  bool("accept_multiple_sdp_answers", false, "Accept changed SDP in provisional answers.", NOT_YET),
  bool("ignore_183_without_sdp", false, "Do not forward 183 responses without SDP.", NOT_YET),
  bool("notify_early_inuse_ringing", false, "dialog subscriptions: report InUse&Ringing (a call up and another ringing) as early instead of confirmed."),
  bool("suppress_moh_on_sendonly", false, "Do not play hold music when the peer holds with sendonly.", NOT_YET),
  bool("suppress_q850_reason_headers", false, "Do not send Reason headers with the Q.850 cause.", NOT_YET),
  oneOf("security_negotiation", ["no", "mediasec"] as const, "no", "Security mechanism agreement (RFC 3329) for media security.", NOT_YET),
  // Identity headers.
  bool("trust_id_inbound", false, "Trust P-Asserted-Identity / Remote-Party-ID from this endpoint."),
  bool("trust_id_outbound", false, "Send private identity to this endpoint."),
  bool("trust_connected_line", true, "Accept connected line updates from this endpoint.", { ...NOT_YET, ...YES_NO }),
  bool("send_connected_line", true, "Send connected line updates to this endpoint.", { ...NOT_YET, ...YES_NO }),
  bool("send_pai", false, "Send P-Asserted-Identity."),
  bool("send_rpid", false, "Send Remote-Party-ID."),
  bool("rpid_immediate", false, "Send connected line before answer.", NOT_YET),
  bool("send_diversion", true, "Send Diversion headers on redirected calls.", NOT_YET),
  bool("send_history_info", false, "Send History-Info headers on redirected calls.", NOT_YET),
  bool("stir_shaken", false, "STIR/SHAKEN attestation and verification.", { ...NOT_YET, ...YES_NO }),
  str("stir_shaken_profile", "", "STIR/SHAKEN profile name.", NOT_YET),
  bool("send_aoc", false, "Send advice-of-charge.", NOT_YET),
  // Voicemail, presence, groups.
  str("mailboxes", "", "Mailboxes (box@context, comma list) whose message counts are sent to this endpoint's contacts in unsolicited MWI NOTIFYs."),
  bool("aggregate_mwi", true, "Send one MWI NOTIFY summing all mailboxes (no: one per mailbox)."),
  str("voicemail_extension", "", "Extension dialled to reach voicemail; the user part of Message-Account in MWI NOTIFYs."),
  bool("mwi_subscribe_replaces_unsolicited", false, "While the endpoint has a message-summary subscription, it gets no unsolicited MWI NOTIFYs.", { ...YES_NO }),
  str("incoming_mwi_mailbox", "", "Mailbox (box@context) that unsolicited MWI NOTIFYs from this endpoint update.", NOT_YET),
  str("mwi_from_user", "", "From user of MWI NOTIFYs (default: the mailbox)."),
  uint("device_state_busy_at", 0, "Channels in use (Up, Ring or Busy) at which the endpoint's device state is BUSY; 0 = never. Only the state changes (hints, DEVICE_STATE()): calls are not refused."),
  str("call_group", "", "Numbered call groups (0-63, e.g. 1,3-5): a phone whose pickup_group meets one may pick up calls ringing here."),
  str("pickup_group", "", "Numbered pickup groups (0-63, e.g. 1,3-5): calls ringing on endpoints with one of them in call_group may be picked up (Pickup(), *8)."),
  str("named_call_group", "", "Named call groups (e.g. sales,support), matched against named_pickup_group."),
  str("named_pickup_group", "", "Named pickup groups (e.g. sales), matched against named_call_group."),
  str("tone_zone", "", "Indication tone zone.", NOT_YET),
  str("moh_suggest", "default", "Music on hold class the other party hears while this endpoint holds the call (musiconhold.conf; the held channel's CHANNEL(musicclass) comes first)."),
  bool("moh_passthrough", false, "Pass hold re-INVITEs through instead of playing music.", { implemented: false, hint: "Switchboard answers the hold itself and plays music on hold to the other party" }),
  bool("one_touch_recording", false, "Enable feature-code recording.", NOT_YET),
  str("record_on_feature", "automixmon", "Feature started by the recording on code.", NOT_YET),
  str("record_off_feature", "automixmon", "Feature started by the recording off code.", NOT_YET),
  // Fax.
  bool("t38_udptl", false, "Accept T.38 fax over UDPTL.", NOT_YET),
  oneOf("t38_udptl_ec", ["none", "fec", "redundancy"] as const, "none", "T.38 error correction.", NOT_YET),
  uint("t38_udptl_maxdatagram", 0, "Largest T.38 datagram.", NOT_YET),
  bool("t38_udptl_nat", false, "Send T.38 to the source address (NAT).", NOT_YET),
  bool("t38_udptl_ipv6", false, "Use IPv6 for UDPTL.", NOT_YET),
  bool("t38_bind_udptl_to_media_address", false, "Bind UDPTL to media_address.", NOT_YET),
  bool("fax_detect", false, "Detect fax tones and jump to the fax extension.", NOT_YET),
  uint("fax_detect_timeout", 0, "Seconds of fax detection; 0 = whole call.", NOT_YET),
  // QoS and ACL.
  str("tos_audio", "0", "DSCP/TOS for audio RTP.", NOT_YET),
  str("tos_video", "0", "DSCP/TOS for video RTP.", NOT_YET),
  uint("cos_audio", 0, "802.1p priority for audio RTP.", { ...NOT_YET, max: 7 }),
  uint("cos_video", 0, "802.1p priority for video RTP.", { ...NOT_YET, max: 7 }),
  list("acl", "Named ACLs (acl.conf) the source address of this endpoint's requests must pass, each of them (with permit/deny); refused requests get 403 and a FailedACL event.", { repeat: "append" }),
  // Asterisk folds permit/deny into the ACL and lists only the named ACLs. Both lines go into
  // one rule list in file order (the last matching rule decides; no rule matching allows).
  aclRules("deny", "deny", "Networks refused as this endpoint (with permit=, in file order; the last matching line decides). Refused requests get 403, a NOTICE and a FailedACL event.", { key: "permit", ...HIDDEN }),
  aclRules("permit", "permit", "Networks allowed to send requests as this endpoint (with deny=, in file order; the last matching line decides).", HIDDEN),
  list("contact_acl", "Named ACLs (acl.conf) the addresses in this endpoint's Contact headers must pass, each of them (with contact_permit/contact_deny).", { repeat: "append" }),
  aclRules("contact_deny", "deny", "Networks refused in the Contact of requests from this endpoint (with contact_permit=, in file order).", { key: "contactPermit", ...HIDDEN }),
  aclRules("contact_permit", "permit", "Networks allowed in the Contact of requests from this endpoint (with contact_deny=, in file order).", HIDDEN),
  // Location (RFC 6442).
  str("geoloc_incoming_call_profile", "", "Geolocation profile applied to incoming calls.", NOT_YET),
  str("geoloc_outgoing_call_profile", "", "Geolocation profile applied to outgoing calls.", NOT_YET),
  // SDP identity.
  // The SDP we build always writes these defaults (media/sdp/build-sdp.ts).
  str("sdp_owner", "-", "User name in the SDP o= line.", NOT_YET),
  str("sdp_session", "Switchboard", "Session name in the SDP s= line.", NOT_YET),
] as const;

export type EndpointValues = SchemaValues<typeof endpointOptions>;
export type EndpointConfig = EndpointValues & ObjectOrigin;

export const endpointSchema: ObjectSchema<typeof endpointOptions> = {
  type: "endpoint",
  synopsis: "A SIP account or trunk profile: context, codecs, media/NAT behaviour, AOR and auth references.",
  options: endpointOptions,
  finalize(values, set) {
    const errors: string[] = [];
    const start = values.rtpPortStart;
    const end = values.rtpPortEnd;
    if (set.has("rtpPortStart") !== set.has("rtpPortEnd")) {
      errors.push("rtp_port_start and rtp_port_end must be set together");
    } else if (set.has("rtpPortStart") && (start < 1024 || end < 1024 || start >= end || end > 65535)) {
      errors.push(`rtp_port_start=${start}, rtp_port_end=${end} is not a valid range; use 1024 <= start < end <= 65535`);
    }
    if (values.webrtc) {
      // webrtc=yes is a preset: Asterisk switches on everything a browser needs.
      values.rtcpMux = true;
      values.useAvpf = true;
      values.iceSupport = true;
      values.mediaUseReceivedTransport = true;
      values.bundle = true;
      values.mediaEncryption = "dtls";
      values.dtlsVerify = "fingerprint";
      values.dtlsSetup = "actpass";
      if (values.dtlsCertFile.length === 0) values.dtlsAutoGenerateCert = true;
      values.dtlsRekey = 0;
    }
    if (values.mediaEncryption === "dtls" && values.dtlsCertFile.length === 0 && !values.dtlsAutoGenerateCert && !values.webrtc) {
      errors.push("media_encryption=dtls needs dtls_cert_file (with dtls_private_key) or dtls_auto_generate_cert=yes");
    }
    return errors;
  },
};
