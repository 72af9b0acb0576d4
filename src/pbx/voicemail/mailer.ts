/**
 * Email about new messages: to the mailbox's email address (with the recording attached when
 * attach=yes) and a short note to its pager address. By SMTP when smtpserver is set (nodemailer),
 * else through mailcmd as Asterisk does (the message on its standard input). Sending runs after
 * the message is saved and never holds up the call; a failure is one WARNING naming the server
 * or command and the address. With delete=yes an emailed message is removed from the mailbox.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename } from "node:path";
import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer";
import { DateFormat } from "../../core/log/date-format.js";
import type { Logger } from "../../core/logger.js";
import type { Mailbox, VoicemailGeneral } from "../../config/index.js";

export interface SavedMessage {
  readonly box: Mailbox;
  /** 0-based; ${VM_MSGNUM} is this + 1. */
  readonly index: number;
  readonly audioPath: string;
  readonly durationSec: number;
  readonly callerId: { num: string; name: string };
  readonly timeMs: number;
  /** The message's msg_id: delete=yes finds it by this, whatever its number is by then. */
  readonly msgId: string;
}

export interface MailOut {
  /** The mail to the mailbox's email address (not the pager's). */
  main: boolean;
  from: string;
  to: string;
  subject: string;
  text: string;
  attachments: Array<{ filename: string; content: Buffer; contentType: string }>;
}

const DEFAULT_SUBJECT = "New voicemail ${VM_MSGNUM} in mailbox ${VM_MAILBOX}";
const DEFAULT_BODY = "Hello ${VM_NAME},\\n\\nyou have a new voicemail (${VM_DUR}) in mailbox ${VM_MAILBOX} from ${VM_CALLERID}, left on ${VM_DATE}.\\n\\n-- Switchboard\\n";
const DEFAULT_PAGER_SUBJECT = "New VM";
const DEFAULT_PAGER_BODY = "New ${VM_DUR} long msg in box ${VM_MAILBOX}\\nfrom ${VM_CALLERID}, on ${VM_DATE}";

/** `${VM_…}` replaced, `\n` and `\t` as Asterisk reads them in voicemail.conf. */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\$\{(VM_[A-Z]+)\}/g, (all, name: string) => vars[name] ?? all);
}

export function templateVars(m: SavedMessage, g: VoicemailGeneral): Record<string, string> {
  const cid = m.callerId;
  const dur = `${Math.floor(m.durationSec / 60)}:${String(m.durationSec % 60).padStart(2, "0")}`;
  return {
    VM_NAME: m.box.fullName,
    VM_MAILBOX: m.box.box,
    VM_CONTEXT: m.box.context,
    VM_MSGNUM: String(m.index + 1),
    VM_DUR: dur,
    VM_CIDNUM: cid.num,
    VM_CIDNAME: cid.name,
    VM_CALLERID: cid.name.length > 0 ? `${cid.name} <${cid.num}>` : cid.num.length > 0 ? cid.num : "an unknown caller",
    VM_DATE: new DateFormat(g.emaildateformat).format(m.timeMs),
    VM_MESSAGEFILE: m.audioPath,
    VM_CATEGORY: "",
    VM_FLAG: "",
  };
}

/** The emails a saved message causes: one to `email`, one to `pager`, each when set. */
export function composeMails(m: SavedMessage, g: VoicemailGeneral): MailOut[] {
  const vars = templateVars(m, g);
  const server = g.serveremail.includes("@") ? g.serveremail : `${g.serveremail}@${hostname()}`;
  const out: MailOut[] = [];
  if (m.box.email.length > 0) {
    const attach = (m.box.options.get("attach") ?? (g.attach ? "yes" : "no")) !== "no";
    out.push({
      main: true,
      from: `"${g.fromstring.replace(/"/g, "")}" <${server}>`,
      to: m.box.email,
      subject: fillTemplate(g.emailsubject || DEFAULT_SUBJECT, vars),
      text: fillTemplate(g.emailbody || DEFAULT_BODY, vars),
      attachments: attach ? [{ filename: basename(m.audioPath), content: readFileSync(m.audioPath), contentType: m.audioPath.endsWith(".wav") ? "audio/x-wav" : "application/octet-stream" }] : [],
    });
  }
  if (m.box.pager.length > 0) {
    out.push({ main: false, from: `"${g.pagerfromstring.replace(/"/g, "")}" <${server}>`, to: m.box.pager, subject: fillTemplate(g.pagersubject || DEFAULT_PAGER_SUBJECT, vars), text: fillTemplate(g.pagerbody || DEFAULT_PAGER_BODY, vars), attachments: [] });
  }
  return out;
}

export class VoicemailMailer {
  constructor(private readonly o: { general: () => VoicemailGeneral; log: Logger }) {}

  /**
   * Sends what `m` causes (never rejects). Resolves true when the mail to the mailbox's email
   * address went with the recording attached: only then may delete=yes remove the message.
   */
  async send(m: SavedMessage): Promise<boolean> {
    const g = this.o.general();
    let mails: MailOut[];
    try {
      mails = composeMails(m, g);
    } catch (err) {
      this.o.log.warn({ err }, `Voicemail email for ${m.box.box}@${m.box.context} not sent: ${(err as Error).message}`);
      return false;
    }
    let delivered = false;
    for (const mail of mails) {
      try {
        const { main, ...message } = mail;
        if (g.smtpserver.length > 0) await this.bySmtp(message, g);
        else await this.byCommand(message, g.mailcmd);
        if (main && mail.attachments.length > 0) delivered = true;
        this.o.log.verbose(3, {}, `Voicemail ${m.box.box}@${m.box.context}: email about message ${m.index + 1} sent to ${mail.to}`);
      } catch (err) {
        const via = g.smtpserver.length > 0 ? `SMTP server ${g.smtpserver}` : `mailcmd '${g.mailcmd}'`;
        this.o.log.warn({ mailbox: `${m.box.box}@${m.box.context}` }, `Voicemail email to ${mail.to} could not be sent through ${via}: ${(err as Error).message}; set smtpserver= (or mailcmd=) in voicemail.conf [general]`);
      }
    }
    return delivered;
  }

  private async bySmtp(mail: Omit<MailOut, "main">, g: VoicemailGeneral): Promise<void> {
    const [host, port] = splitHostPort(g.smtpserver);
    const transport = nodemailer.createTransport({
      host,
      port,
      secure: port === 465,
      ...(g.smtpuser.length > 0 ? { auth: { user: g.smtpuser, pass: g.smtppassword } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    try {
      await transport.sendMail(mail);
    } finally {
      transport.close();
    }
  }

  private async byCommand(mail: Omit<MailOut, "main">, command: string): Promise<void> {
    const raw = await new MailComposer(mail).compile().build();
    await new Promise<void>((resolve, reject) => {
      const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "ignore", "pipe"] });
      let err = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        if (err.length < 2000) err += d;
      });
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exited ${code}${err.length > 0 ? `: ${err.trim().slice(0, 300)}` : ""}`))));
      child.stdin.on("error", () => {});
      child.stdin.end(raw);
    });
  }
}

function splitHostPort(text: string): [string, number] {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  return [m?.[1] ?? text, Number(m?.[2] ?? 25)];
}
