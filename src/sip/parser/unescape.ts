/**
 * RFC 3261 §19.1.2: user parts of SIP URIs may carry %HH escapes ("sip:%61lice@…" is alice).
 * Decodes them for comparisons with endpoint and extension names; malformed escapes are kept
 * as written instead of throwing (untrusted input).
 */
export function unescapeUser(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
