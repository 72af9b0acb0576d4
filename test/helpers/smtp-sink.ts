/**
 * A local SMTP server for tests (smtp-server, nodemailer's own): accepts every message on
 * 127.0.0.1 and keeps it, parsed by mailparser, for the test to read.
 */
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";

export interface SmtpSink {
  readonly port: number;
  readonly messages: ParsedMail[];
  /** Envelope recipients of each message, in order. */
  readonly recipients: string[][];
  close(): Promise<void>;
}

export async function startSmtpSink(host = "127.0.0.1"): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const recipients: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          recipients.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { port, messages, recipients, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
