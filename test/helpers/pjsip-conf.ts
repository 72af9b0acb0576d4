/**
 * Writes pjsip.conf text for tests, in Asterisk's grammar: one transport per protocol bound to
 * the test's ip:port, then an endpoint, an auth and an aor section per phone (all three named
 * after the phone's id, as in Asterisk's sample "ENDPOINT CONFIGURED FOR USE WITH A SIP PHONE").
 */

export interface EndpointSpec {
  readonly id: string;
  readonly password: string;
  /** Digest user name; defaults to `id`. */
  readonly username?: string;
  readonly context?: string;
  /** aor `max_contacts`; defaults to 1 (Asterisk's default 0 refuses REGISTER). */
  readonly maxContacts?: number;
  readonly removeExisting?: boolean;
  readonly defaultExpiration?: number;
  readonly minimumExpiration?: number;
  readonly maximumExpiration?: number;
  readonly qualifyFrequency?: number;
  /** Codecs for `allow=` (after `disallow=all`); defaults to ulaw. */
  readonly allow?: readonly string[];
  /** Extra options appended verbatim to each section. */
  readonly endpointOptions?: Readonly<Record<string, string>>;
  readonly authOptions?: Readonly<Record<string, string>>;
  readonly aorOptions?: Readonly<Record<string, string>>;
}

export interface PjsipConfOptions {
  readonly ip: string;
  readonly port: number;
  /** Transports to create on ip:port; defaults to UDP only. */
  readonly protocols?: ReadonlyArray<"udp" | "tcp">;
  readonly endpoints: readonly EndpointSpec[];
  /** Options of a `[global]` section (type=global is added). */
  readonly global?: Readonly<Record<string, string>>;
  /** Extra raw text appended at the end. */
  readonly extra?: string;
}

function section(name: string, lines: Array<[string, string | number | undefined]>, extra?: Readonly<Record<string, string>>): string {
  const out = [`[${name}]`];
  for (const [k, v] of lines) if (v !== undefined) out.push(`${k}=${v}`);
  for (const [k, v] of Object.entries(extra ?? {})) out.push(`${k}=${v}`);
  return out.join("\n") + "\n";
}

const yesNo = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? "yes" : "no");

/** Builds the whole pjsip.conf text. */
export function pjsipConf(opts: PjsipConfOptions): string {
  const parts: string[] = [];
  if (opts.global !== undefined) parts.push(section("global", [["type", "global"]], opts.global));
  const protocols = opts.protocols ?? ["udp"];
  for (const proto of protocols) {
    parts.push(section(`transport-${proto}`, [["type", "transport"], ["protocol", proto], ["bind", `${opts.ip}:${opts.port}`]]));
  }
  for (const ep of opts.endpoints) parts.push(endpointSections(ep, `transport-${protocols[0] ?? "udp"}`));
  if (opts.extra !== undefined) parts.push(opts.extra);
  return parts.join("\n");
}

/** The endpoint/auth/aor triple of one phone. */
export function endpointSections(ep: EndpointSpec, transport?: string): string {
  const endpoint = section(
    ep.id,
    [
      ["type", "endpoint"],
      ["transport", transport],
      ["context", ep.context ?? "default"],
      ["disallow", "all"],
      ["allow", (ep.allow ?? ["ulaw"]).join(",")],
      ["auth", ep.id],
      ["aors", ep.id],
    ],
    ep.endpointOptions,
  );
  const auth = section(
    ep.id,
    [
      ["type", "auth"],
      ["auth_type", "digest"],
      ["username", ep.username ?? ep.id],
      ["password", ep.password],
    ],
    ep.authOptions,
  );
  const aor = section(
    ep.id,
    [
      ["type", "aor"],
      ["max_contacts", ep.maxContacts ?? 1],
      ["remove_existing", yesNo(ep.removeExisting)],
      ["default_expiration", ep.defaultExpiration],
      ["minimum_expiration", ep.minimumExpiration],
      ["maximum_expiration", ep.maximumExpiration],
      ["qualify_frequency", ep.qualifyFrequency],
    ],
    ep.aorOptions,
  );
  return [endpoint, auth, aor].join("\n");
}

/** A long random password (letters and digits only, so it survives every quoting layer). */
export function randomPassword(length = 32): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}
