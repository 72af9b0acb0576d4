/**
 * Advice for option names that belong to chan_sip's sip.conf, which many tutorials still show.
 * Asterisk only says the option is unknown; we say what the pjsip.conf way is.
 */
export const CHAN_SIP_HINTS: Readonly<Record<string, string>> = {
  nat: "in pjsip.conf write rtp_symmetric=yes, force_rport=yes, rewrite_contact=yes and direct_media=no on the endpoint",
  host: "host=dynamic is an aor with max_contacts=1 (or more); a fixed host is contact=sip:ADDRESS on the aor",
  secret: "put password= in a type=auth section and name it in the endpoint's auth=",
  canreinvite: "write direct_media=no (or yes)",
  directmedia: "write direct_media=no (or yes)",
  qualify: "write qualify_frequency=60 on the aor",
  dtmfmode: "write dtmf_mode=rfc4733",
  insecure: "match the trunk by address with a type=identify section instead",
  defaultuser: "write from_user= on the endpoint, or username= on the auth",
  fromuser: "write from_user=",
  fromdomain: "write from_domain=",
  mailbox: "write mailboxes=",
  videosupport: "allow a video codec (e.g. allow=h264)",
  encryption: "write media_encryption=sdes",
  avpf: "write use_avpf=yes",
  icesupport: "write ice_support=yes",
  callgroup: "write call_group=",
  pickupgroup: "write pickup_group=",
  allowguest: "calls from unknown peers go to the anonymous endpoint; define [anonymous] only if you want them",
};
