/**
 * The codecs as a module: what `module show` lists for the formats the media workers decode and
 * encode (Asterisk's codec_* names), and the console's `core show codecs` and
 * `core show translation [recalc <seconds>]`, whose costs are measured soon after start.
 */
import { CliUsageError } from "../../core/commands.js";
import type { ModuleContext, PbxModule } from "../../core/module.js";
import { codecSupport, KNOWN_CODECS } from "../../config/index.js";
import { codecByName } from "../../media/sdp/index.js";
import { formatTranslationTable, measureTranslationCosts, type CostTable } from "./translation-costs.js";

/** Asterisk's own limit for `recalc`. */
const MAX_RECALC_SECONDS = 1000;
/** The costs are measured this long after start, once start-up work is done (or at first use). */
const MEASURE_AFTER_MS = 15_000;

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ulaw: "G.711 u-law",
  alaw: "G.711 a-law",
  g722: "G722",
  opus: "Opus Codec",
  slin: "16 bit Signed Linear PCM",
  slin16: "16 bit Signed Linear PCM",
  slin32: "16 bit Signed Linear PCM",
  slin48: "16 bit Signed Linear PCM",
  gsm: "GSM",
  g729: "G.729A",
  ilbc: "iLBC",
};

function supportText(name: string): string {
  switch (codecSupport(name)) {
    case "decoded":
      return "transcoded and played here";
    case "relayed":
      return "not available here: relayed untouched between phones that share it";
    default:
      return "never negotiated";
  }
}

export function formatCodecs(): string {
  const lines = [
    "Disclaimer: this command is for informational purposes only.",
    "\tIt does not indicate anything about your configuration.",
    `${"Codec".padEnd(10)} ${"Name".padEnd(12)} ${"Type".padEnd(7)} Description`,
    "-".repeat(96),
  ];
  KNOWN_CODECS.forEach((c, i) => {
    const rate = c.kind === "audio" ? codecByName(c.name)?.clockRate : undefined;
    const desc = `${DESCRIPTIONS[c.name] ?? c.name}${rate !== undefined ? ` (${c.name === "g722" ? 16000 : rate} Hz)` : ""}: ${supportText(c.name)}`;
    lines.push(`${String(i + 1).padStart(10)} ${c.name.padEnd(12)} ${c.kind.padEnd(7)} ${desc}`);
  });
  return lines.join("\n") + "\n";
}

export class CodecsModule implements PbxModule {
  readonly name = "codecs";
  readonly provides = [
    { name: "codec_ulaw.so", description: "mu-Law Coder/Decoder" },
    { name: "codec_alaw.so", description: "A-law Coder/Decoder" },
    { name: "codec_g722.so", description: "ITU G.722-64kbps G722 Transcoder" },
    { name: "codec_opus.so", description: "OPUS Coder/Decoder" },
    { name: "codec_resample.so", description: "SLIN Resampling Codec" },
  ];
  readonly dependsOn: readonly string[] = [];
  private costs: CostTable | undefined;

  start(ctx: ModuleContext): void {
    const timer = setTimeout(() => {
      void measureTranslationCosts(1).then((c) => {
        this.costs ??= c;
      });
    }, MEASURE_AFTER_MS);
    timer.unref();
    ctx.defer(() => clearTimeout(timer));
    ctx.defer(
      ctx.commands.register({
        command: "core show codecs",
        summary: "Displays a list of registered codecs",
        usage: "Usage: core show codecs [audio|video|image|text]\n       Displays codec mapping\n",
        handler: ({ args }) => {
          const kind = args[0];
          if (args.length > 1 || (kind !== undefined && !["audio", "video", "image", "text"].includes(kind))) throw new CliUsageError();
          const text = formatCodecs();
          if (kind === undefined) return text;
          const [d1, d2, head, rule, ...rows] = text.trimEnd().split("\n");
          return [d1, d2, head, rule, ...rows.filter((r) => r.slice(24, 31).trim() === kind)].join("\n") + "\n";
        },
      }),
    );
    ctx.defer(
      ctx.commands.register({
        command: "core show translation",
        summary: "Display translation matrix",
        usage:
          "Usage: 'core show translation' can be used in two ways.\n       1. 'core show translation [recalc [<recalc seconds>]]\n          Displays known codec translators and the cost associated\n          with each conversion.  If the argument 'recalc' is supplied along\n          with optional number of seconds to test a new test will be performed\n          as the chart is being displayed.\n",
        handler: async ({ args }) => {
          if (args.length > 2 || (args.length > 0 && args[0] !== "recalc")) throw new CliUsageError();
          let note = "";
          if (args[0] === "recalc" || this.costs === undefined) {
            let seconds = args[1] === undefined ? 1 : Number(args[1]);
            if (!Number.isInteger(seconds) || seconds < 1) throw new CliUsageError();
            if (seconds > MAX_RECALC_SECONDS) {
              note = `         Maximum limit of recalc exceeded by ${seconds - MAX_RECALC_SECONDS}, truncating value to ${MAX_RECALC_SECONDS}\n`;
              seconds = MAX_RECALC_SECONDS;
            }
            if (args[0] === "recalc") note += `         Recalculating Codec Translation (number of sample seconds: ${seconds})\n\n`;
            this.costs = await measureTranslationCosts(seconds);
          }
          return note + formatTranslationTable(this.costs);
        },
      }),
    );
  }
}
