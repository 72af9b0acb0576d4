/**
 * voicemail.conf `[general]`: how messages are recorded, kept, announced and emailed. Defaults
 * are app_voicemail's code defaults (maxmsg 100, maxlogins 3, silencethreshold 128, no maxsecs
 * limit, maxsilence off). `smtpserver`, `smtpuser` and `smtppassword` are Switchboard's own: an
 * SMTP server instead of the sendmail command, for containers that have none.
 */
import { bool, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;

const generalOptions = [
  str("format", "wav", "Formats messages are recorded in, separated by |; the first one is kept (Switchboard writes wav, ulaw, alaw, sln, sln16, g722; not wav49 or gsm)."),
  uint("maxmsg", 100, "Messages a folder may hold (at most 9999); a full mailbox refuses new messages.", { min: 1, max: 9999 }),
  uint("maxsecs", 0, "Longest message in seconds (0: no limit)."),
  uint("maxmessage", 0, "Old name of maxsecs.", { deprecated: "use maxsecs" }),
  uint("minsecs", 0, "Shortest message kept, in seconds; a shorter one is discarded."),
  uint("minmessage", 0, "Old name of minsecs.", { deprecated: "use minsecs" }),
  uint("maxsilence", 0, "Seconds of silence that end a message (0: silence does not end it)."),
  uint("silencethreshold", 128, "Mean sample level below which audio counts as silence."),
  uint("maxlogins", 3, "Failed VoiceMailMain logins before the call is ended.", { min: 1 }),
  uint("maxgreet", 0, "Longest greeting in seconds (0: no limit)."),
  bool("review", false, "Let callers review their message before it is sent (1 accept, 2 listen, 3 re-record)."),
  bool("operator", false, "Callers may press 0 for the o extension of the context while the greeting plays."),
  bool("envelope", true, "VoiceMailMain says when a message was left before playing it (in the mailbox's zone)."),
  bool("saycid", false, "Say the caller's number before a message."),
  bool("sayduration", true, "Say a message's length before it plays.", NOT_YET),
  uint("saydurationm", 2, "Only say lengths of at least this many minutes.", NOT_YET),
  bool("attach", true, "Attach the recording to the notification email."),
  str("attachfmt", "", "Format of the attachment.", { implemented: false, hint: "the attachment is the message as recorded (format=)" }),
  str("serveremail", "asterisk", "From address of notification emails (a name without @ gets @ and this host's name)."),
  str("fromstring", "Switchboard", "From name of notification emails."),
  str("emailsubject", "", "Subject of notification emails; ${VM_NAME}, ${VM_MAILBOX}, ${VM_MSGNUM}, ${VM_DUR}, ${VM_CALLERID}, ${VM_CIDNUM}, ${VM_CIDNAME}, ${VM_DATE}, ${VM_CONTEXT} are replaced."),
  str("emailbody", "", "Body of notification emails (the same variables; \\n and \\t are a new line and a tab)."),
  str("emaildateformat", "%A, %B %d, %Y at %r", "strftime(3) format of ${VM_DATE} in emails."),
  str("pagerfromstring", "Switchboard", "From name of pager emails."),
  str("pagersubject", "", "Subject of pager emails (the same variables)."),
  str("pagerbody", "", "Body of pager emails (the same variables)."),
  str("mailcmd", "/usr/sbin/sendmail -t", "Command that sends mail, reading the message on its standard input (used when smtpserver is not set)."),
  str("smtpserver", "", "Switchboard: send notification emails by SMTP to host[:port] (default port 25) instead of through mailcmd."),
  str("smtpuser", "", "Switchboard: user name for SMTP authentication (with smtpserver)."),
  str("smtppassword", "", "Switchboard: password for SMTP authentication (with smtpserver)."),
  bool("delete", false, "Delete a message once it has been emailed (the mailbox must have an email address)."),
  str("charset", "ISO-8859-1", "Character set of emails.", { implemented: false, hint: "emails are written in UTF-8" }),
  str("externnotify", "", "Program run when a mailbox changes.", NOT_YET),
  str("externpass", "", "Program that changes passwords.", NOT_YET),
  str("externpassnotify", "", "Program told about password changes.", NOT_YET),
  oneOf("passwordlocation", ["spooldir", "voicemail"] as const, "spooldir", "Where a password changed in VoiceMailMain is kept: spooldir (<mailbox>/secret.conf). Asterisk's default, voicemail (rewriting voicemail.conf), is not done here, so Switchboard's default is spooldir.", { unimplementedValues: ["voicemail"] }),
  uint("minpassword", 0, "Shortest password VoiceMailMain accepts when it is changed."),
  bool("forcename", false, "New users must record their name first.", NOT_YET),
  bool("forcegreetings", false, "New users must record their greetings first.", NOT_YET),
  bool("nextaftercmd", true, "After delete or save, go on to the next message."),
  uint("skipms", 3000, "Milliseconds that 3 and 1 skip while a message plays.", NOT_YET),
  bool("tempgreetwarn", false, "Remind users that their temporary greeting is on."),
  bool("searchcontexts", false, "Find a mailbox named without a context in any context."),
  str("callback", "", "Context for calling back the caller (advanced option 2).", NOT_YET),
  str("dialout", "", "Context for dialling out (advanced option 4).", NOT_YET),
  str("exitcontext", "", "Context for exiting to an operator (0) or the a extension (*).", NOT_YET),
  bool("usedirectory", false, "Forward messages using the directory.", NOT_YET),
  bool("sendvoicemail", false, "Users may send messages to other mailboxes.", NOT_YET),
  bool("moveheard", true, "Move heard messages to Old when leaving INBOX."),
  str("volgain", "0.0", "Gain applied to recordings, in dB.", NOT_YET),
  str("userscontext", "default", "Context of users defined in users.conf.", NOT_YET),
  str("odbcstorage", "", "Keep messages in a database.", { implemented: false, hint: "messages are kept in the spool directory" }),
  str("imapserver", "", "Keep messages on an IMAP server.", { implemented: false, hint: "messages are kept in the spool directory" }),
  uint("pollfreq", 30, "Seconds between checks for changes made outside Switchboard.", NOT_YET),
  bool("pollmailboxes", false, "Check mailboxes for changes made outside Switchboard.", NOT_YET),
  str("locale", "", "Locale for dates.", NOT_YET),
  str("tz", "", "The [zonemessages] zone whose time zone and format envelopes use (a mailbox's tz= overrides it)."),
] as const;

export type VoicemailGeneral = SchemaValues<typeof generalOptions>;

export const voicemailGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "voicemail.conf [general]: recording limits, formats and how messages are announced.",
  options: generalOptions,
};
