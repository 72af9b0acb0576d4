/**
 * Makes Switchboard's own English prompt set (sounds/en/), under the file names Asterisk's
 * dialplans and voicemail use, so a dialplan written for Asterisk finds them. The wording is
 * ours; the voice is espeak-ng's, converted by sox to 8 kHz 16-bit mono WAV. The files are
 * committed: neither espeak-ng nor sox is needed to run Switchboard or its tests.
 *
 *   npx tsx scripts/make-prompts.ts            # (re)makes every prompt
 *   npx tsx scripts/make-prompts.ts vm-intro   # only these
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "sounds", "en");
const VOICE = ["-v", "en-us", "-s", "150", "-p", "45"];

const NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];
const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"];
const TENS: Record<string, string> = { 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety" };

/** Spoken prompts: file name (relative to sounds/en, no extension) → what is said. */
export const PROMPTS: Record<string, string> = {
  ...Object.fromEntries(NUMBERS.map((w, i) => [`digits/${i}`, w])),
  ...Object.fromEntries(Object.entries(TENS).map(([n, w]) => [`digits/${n}`, w])),
  "digits/hundred": "hundred",
  "digits/thousand": "thousand",
  "digits/million": "million",
  "digits/billion": "billion",
  "digits/minus": "minus",
  "digits/star": "star",
  "digits/pound": "pound",
  "digits/oclock": "o'clock",
  "digits/oh": "oh",
  "digits/at": "at",
  "digits/a-m": "A M",
  "digits/p-m": "P M",
  "digits/today": "today",
  "digits/yesterday": "yesterday",
  ...Object.fromEntries(["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"].map((d, i) => [`digits/day-${i}`, d])),
  ...Object.fromEntries(["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"].map((m, i) => [`digits/mon-${i}`, m])),
  ...Object.fromEntries(ORDINALS.map((o, i) => [`digits/h-${i + 1}`, o])),
  "digits/h-30": "thirtieth",
  ...Object.fromEntries("abcdefghijklmnopqrstuvwxyz".split("").map((c) => [`letters/${c}`, c === "z" ? "zee" : c === "a" ? "ay" : c])),
  "letters/at": "at",
  "letters/dot": "dot",
  "letters/dash": "dash",
  "letters/plus": "plus",
  "letters/slash": "slash",
  "letters/space": "space",
  "letters/underscore": "underscore",
  "letters/equals": "equals",
  "letters/dollar": "dollar",
  "letters/exclaimation-point": "exclamation mark",
  "hello-world": "Hello, world.",
  goodbye: "Goodbye.",
  "auth-thankyou": "Thank you.",
  "pbx-invalid": "That is not a valid extension. Please try again.",
  "pbx-transfer": "Transfer.",
  "please-try-again": "Please try again.",
  "invalid": "That choice is not valid.",
  "vm-intro": "Please leave your message after the tone. When you are done, hang up or press the pound key.",
  "vm-theperson": "The person at extension",
  "vm-isunavail": "is not available right now.",
  "vm-isonphone": "is on another call.",
  "vm-nobodyavail": "Nobody can take your call right now.",
  "vm-login": "Voicemail. Please enter your mailbox number, then press pound.",
  "vm-password": "Please enter your password, then press pound.",
  "vm-incorrect": "That login is not correct.",
  "vm-incorrect-mailbox": "That login is not correct. Mailbox?",
  "vm-goodbye": "Goodbye.",
  "vm-sorry": "Sorry, that did not work.",
  "vm-youhave": "You have",
  "vm-INBOX": "new",
  "vm-Old": "old",
  "vm-Work": "work",
  "vm-Family": "family",
  "vm-Friends": "friends",
  "vm-and": "and",
  "vm-no": "no",
  "vm-message": "message",
  "vm-messages": "messages",
  "vm-onefor": "Press one for",
  "vm-for": "for",
  "vm-opts": "Press two to change folders. Press zero for mailbox options. Press pound to exit.",
  "vm-opts-full": "Press one for new messages, two for old messages, zero for mailbox options, or pound to exit.",
  "vm-first": "First",
  "vm-last": "Last",
  "vm-nomore": "There are no more messages.",
  "vm-msginstruct": "Press five to hear the message again, four for the previous message, six for the next one, seven to delete it, nine to save it, or star for help.",
  "vm-deleted": "Message deleted.",
  "vm-undeleted": "Message restored.",
  "vm-savefolder": "Which folder? Press zero for new messages, one for old messages, two for work, three for family, four for friends.",
  "vm-savedto": "Saved to",
  "vm-mailboxfull": "Sorry, this mailbox is full and cannot take your message.",
  "vm-options": "Press one to record your unavailable greeting, two for your busy greeting, three for your name, four for a temporary greeting, five to change your password, or star to go back.",
  "vm-newpassword": "Please enter your new password, then press pound.",
  "vm-reenterpassword": "Please enter it again, then press pound.",
  "vm-passchanged": "Your password has been changed.",
  "vm-mismatch": "The two passwords did not match.",
  "vm-rec-unv": "After the tone, say your unavailable greeting, then press pound.",
  "vm-rec-busy": "After the tone, say your busy greeting, then press pound.",
  "vm-rec-name": "After the tone, say your name, then press pound.",
  "vm-rec-temp": "After the tone, say your temporary greeting, then press pound.",
  "vm-review": "Press one to keep this recording, two to listen to it, or three to record it again.",
  "vm-msgsaved": "Your message has been saved.",
  "vm-dialout": "Please hold.",
  "vm-received": "Received",
  "vm-from": "from",
  "vm-from-extension": "from extension",
  "vm-from-phonenumber": "from phone number",
  "vm-unknown-caller": "from an unknown caller",
  "vm-tocallnum": "To call this number, press two.",
  "vm-tempgreetactive": "Your temporary greeting is on.",
  "vm-tempgreeting2": "Your temporary greeting is on. Press one to record a new one, or two to erase it.",
  "vm-tempremoved": "Your temporary greeting has been erased.",
};

function speak(name: string, text: string): void {
  const out = join(OUT, `${name}.wav`);
  mkdirSync(dirname(out), { recursive: true });
  const raw = join(tmpdir(), `sb-prompt-${process.pid}.wav`);
  try {
    execFileSync("espeak-ng", [...VOICE, "-w", raw, text]);
    // 8 kHz mono 16-bit, normalised to -3 dBFS, a short fade so it never starts or ends in a click.
    execFileSync("sox", [raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out, "norm", "-3", "fade", "0.01", "0", "0.02"]);
  } finally {
    rmSync(raw, { force: true });
  }
}

/** Tones: made by sox, not spoken. (`silence/<n>` needs no file: the player makes it.) */
function synth(name: string, effect: string[]): void {
  const out = join(OUT, `${name}.wav`);
  mkdirSync(dirname(out), { recursive: true });
  execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out, ...effect]);
}

const only = new Set(process.argv.slice(2));
const want = (n: string): boolean => only.size === 0 || only.has(n);
for (const [name, text] of Object.entries(PROMPTS)) if (want(name)) speak(name, text);
// The beep before a recording: 1000 Hz for a quarter second at -6 dBFS.
if (want("beep")) synth("beep", ["synth", "0.25", "sine", "1000", "vol", "0.5", "fade", "0.005", "0.25", "0.005"]);
console.log(`prompts written to ${OUT}`);
