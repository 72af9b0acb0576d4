/**
 * confbridge.conf, as app_confbridge reads it: `type=bridge` profiles (how a conference mixes),
 * `type=user` profiles (what one participant may do and hears) and `type=menu` (DTMF menus, not
 * implemented). `default_bridge` and `default_user` exist even without the file, with these
 * defaults; a section of that name changes them. Defaults and names are Asterisk's
 * (docs.asterisk.org, "Configuration_Reference/app_confbridge").
 */
import { bool, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NO_RECORDING = { implemented: false, hint: "conferences are not recorded; use MixMonitor on a member's channel where available" } as const;
const NO_VIDEO = { implemented: false, hint: "conferences mix audio only" } as const;
const NO_SOUND = { implemented: false, hint: "Switchboard does not play this announcement" } as const;

/** Rates the mixer runs at; the others are accepted and mix as auto does. */
export const INTERNAL_RATES = ["auto", "8000", "12000", "16000", "24000", "32000", "44100", "48000", "96000", "192000"] as const;

const bridgeOptions = [
  uint("max_members", 0, "The most participants the conference takes (0: no limit); admins join a full conference anyway, others hear sound_locked and leave with CONFBRIDGE_RESULT=FAILED."),
  bool("record_conference", false, "Record the conference from its start.", NO_RECORDING),
  str("record_file", "", "The file a recording goes to.", NO_RECORDING),
  bool("record_file_append", true, "Append to an existing recording file.", NO_RECORDING),
  bool("record_file_timestamp", true, "Add a timestamp to the recording file name.", NO_RECORDING),
  str("record_options", "", "MixMonitor options for the recording.", NO_RECORDING),
  str("record_command", "", "A command run after the recording ends.", NO_RECORDING),
  oneOf("internal_sample_rate", INTERNAL_RATES, "auto", "The rate the conference mixes at; auto: the highest natural rate of the participants' codecs (8 kHz for G.711 only, 16 kHz once a G.722 phone joins, 48 kHz for Opus).", {
    unimplementedValues: ["44100", "96000", "192000"],
  }),
  oneOf("maximum_sample_rate", ["none", "8000", "12000", "16000", "24000", "32000", "44100", "48000", "96000", "192000"], "none", "The highest rate auto may choose.", { implemented: false, hint: "auto may go up to 48 kHz" }),
  oneOf("mixing_interval", ["10", "20", "40", "80"], "20", "Milliseconds of audio mixed at a time; each participant still gets packets of its own packetization time."),
  bool("binaural_active", false, "Mix in binaural (stereo) audio.", { implemented: false, hint: "the mix is mono" }),
  oneOf("video_mode", ["none", "follow_talker", "last_marked", "first_marked", "sfu"], "none", "Which participant's video the others see.", NO_VIDEO),
  str("language", "en", "The language of the conference's prompts.", { implemented: false, hint: "prompts are played in each channel's own language (CHANNEL(language))" }),
  str("regcontext", "", "A context the conference name is registered in as an extension.", { implemented: false }),
  str("sound_get_pin", "conf-getpin", "Asks for the PIN (user profile pin=)."),
  str("sound_invalid_pin", "conf-invalidpin", "Said after a wrong PIN."),
  str("sound_locked", "conf-locked", "Said to a caller the conference cannot take (max_members reached)."),
  str("sound_kicked", "conf-kicked", "Said to a participant before it is kicked (console kick, end_marked)."),
  str("sound_only_person", "conf-onlyperson", "Said to a participant who joins an empty conference (user profile announce_only_user, not quiet)."),
  str("sound_wait_for_leader", "conf-waitforleader", "Said to a wait_marked participant while no marked participant is in the conference (not quiet)."),
  str("sound_leader_has_left", "conf-leaderhasleft", "Said to end_marked participants as the last marked participant leaves (not quiet)."),
  str("sound_join", "confbridge-join", "The tone played to the conference when someone joins.", NO_SOUND),
  str("sound_leave", "confbridge-leave", "The tone played to the conference when someone leaves.", NO_SOUND),
  str("sound_has_joined", "conf-hasjoin", "Follows a participant's recorded name (announce_join_leave).", NO_SOUND),
  str("sound_has_left", "conf-hasleft", "Follows a participant's recorded name (announce_join_leave).", NO_SOUND),
  str("sound_only_one", "conf-onlyone", "Says there is one other participant (announce_user_count).", NO_SOUND),
  str("sound_there_are", "conf-thereare", "Starts the count of participants (announce_user_count).", NO_SOUND),
  str("sound_other_in_party", "conf-otherinparty", "Ends the count of participants (announce_user_count).", NO_SOUND),
  str("sound_place_into_conference", "conf-placeintoconf", "Said to a wait_marked participant as the marked one joins.", NO_SOUND),
  str("sound_muted", "conf-muted", "Said when a participant mutes itself (menus).", NO_SOUND),
  str("sound_unmuted", "conf-unmuted", "Said when a participant unmutes itself (menus).", NO_SOUND),
  str("sound_locked_now", "conf-lockednow", "Said when an admin locks the conference (menus).", NO_SOUND),
  str("sound_unlocked_now", "conf-unlockednow", "Said when an admin unlocks the conference (menus).", NO_SOUND),
  str("sound_error_menu", "conf-errormenu", "Said for a menu key that does nothing (menus).", NO_SOUND),
  str("sound_participants_muted", "conf-now-muted", "Said when an admin mutes all participants (menus).", NO_SOUND),
  str("sound_participants_unmuted", "conf-now-unmuted", "Said when an admin unmutes all participants (menus).", NO_SOUND),
  str("sound_begin", "confbridge-conf-begin", "Played to the conference as the first marked participant joins.", NO_SOUND),
] as const;

export type ConfbridgeBridgeValues = SchemaValues<typeof bridgeOptions>;

export const confbridgeBridgeSchema: ObjectSchema<typeof bridgeOptions> = {
  type: "bridge",
  synopsis: "confbridge.conf type=bridge: how a conference mixes (ConfBridge's second argument; default_bridge without one).",
  options: bridgeOptions,
};

const NO_DSP = { implemented: false, hint: "the mixer does not detect talking or silence" } as const;

const userOptions = [
  bool("admin", false, "An administrator: joins a full conference, shown with flag A in `confbridge list <conference>`, Admin: Yes in the AMI events."),
  bool("marked", false, "A marked participant: wait_marked participants wait for one, end_marked ones leave when the last one leaves."),
  bool("startmuted", false, "Joins muted: heard by nobody until `confbridge unmute`."),
  str("pin", "", "A PIN the participant must enter (keys, then #) before it joins: asked with sound_get_pin, three attempts, sound_invalid_pin after each wrong one; the caller is hung up after the third."),
  bool("quiet", false, "No announcements to or about this participant (only-person, wait for leader, leader has left)."),
  bool("announce_only_user", true, "Says sound_only_person to a participant who joins an empty conference."),
  bool("announce_user_count", false, "Tells a joining participant how many others are in the conference.", NO_SOUND),
  bool("announce_user_count_all", false, "Tells everyone the count as someone joins.", NO_SOUND),
  bool("announce_join_leave", false, "Records the participant's name and announces it joining and leaving.", NO_SOUND),
  bool("announce_join_leave_review", false, "Lets the participant review the recorded name.", NO_SOUND),
  str("announcement", "", "A prompt played to the participant as it joins.", NO_SOUND),
  bool("hear_own_join_sound", true, "The participant hears its own join and leave sounds.", NO_SOUND),
  bool("wait_marked", false, "Waits, hearing nothing and not heard, until a marked participant is in the conference (and again after the last one left, unless end_marked)."),
  bool("end_marked", false, "Leaves the conference (CONFBRIDGE_RESULT=ENDMARKED) when the last marked participant leaves."),
  bool("end_marked_any", false, "Leaves the conference (CONFBRIDGE_RESULT=ENDMARKED) when any marked participant leaves."),
  bool("music_on_hold_when_empty", false, "Music on hold while the participant is alone.", { implemented: false, hint: "an alone participant hears silence" }),
  str("music_on_hold_class", "default", "The music on hold class for music_on_hold_when_empty.", { implemented: false, hint: "music_on_hold_when_empty is not implemented" }),
  bool("dsp_drop_silence", false, "Drops the participant's silence from the mix.", NO_DSP),
  uint("dsp_talking_threshold", 160, "Energy above which the participant is talking.", NO_DSP),
  uint("dsp_silence_threshold", 2500, "Milliseconds of quiet before the participant has stopped talking.", NO_DSP),
  bool("talk_detection_events", false, "ConfbridgeTalking AMI events.", NO_DSP),
  bool("denoise", false, "Noise reduction on the participant's audio.", NO_DSP),
  bool("jitterbuffer", false, "A jitter buffer on the participant's audio.", { implemented: false, hint: "each participant's audio is queued with a fixed 40 ms margin" }),
  bool("dtmf_passthrough", false, "Passes the participant's DTMF on to the others.", { implemented: false, hint: "keys are never passed to the other participants" }),
  uint("timeout", 0, "Seconds after which the participant leaves the conference (CONFBRIDGE_RESULT=TIMEOUT); 0: no limit."),
  bool("answer_channel", true, "Answers the channel on entry; with no the conference runs over early media (183)."),
  bool("send_events", false, "Passes the participant's own events to ARI.", { implemented: false }),
  bool("echo_events", true, "Echoes the participant's events back to it (ARI).", { implemented: false }),
  bool("text_messaging", true, "Relays text messages between participants.", { implemented: false, hint: "SIP MESSAGE is not relayed" }),
] as const;

export type ConfbridgeUserValues = SchemaValues<typeof userOptions>;

export const confbridgeUserSchema: ObjectSchema<typeof userOptions> = {
  type: "user",
  synopsis: "confbridge.conf type=user: what one participant may do and hears (ConfBridge's third argument; default_user without one).",
  options: userOptions,
};
