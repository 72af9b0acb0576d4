/**
 * The `line` tokens of outbound registrations (pjsip.conf registration `line=yes`): each
 * registration puts `;line=<token>` into the Contact it registers, and a request whose
 * Request-URI carries that token (the provider calls the Contact it was given) belongs to the
 * registration's `endpoint=`. Tokens are random (unguessable) and stable for the life of the
 * process, so re-registrations keep the same Contact.
 */
import { randomBytes } from "node:crypto";

export class LineTokens {
  private readonly tokens = new Map<string, string>();
  private readonly endpoints = new Map<string, string>();

  /** The token of registration `id`, made on first use; `endpoint` is where its calls belong. */
  bind(registrationId: string, endpoint: string): string {
    let token = this.tokens.get(registrationId);
    if (token === undefined) {
      token = randomBytes(8).toString("hex");
      this.tokens.set(registrationId, token);
    }
    this.endpoints.set(token, endpoint);
    return token;
  }

  /** The registration is gone (removed on reload, line=no): its token matches nothing any more. */
  unbind(registrationId: string): void {
    const token = this.tokens.get(registrationId);
    if (token !== undefined) this.endpoints.delete(token);
  }

  /** The endpoint a Request-URI `line` parameter names, if it is one of ours. */
  endpointFor(token: string): string | undefined {
    return this.endpoints.get(token);
  }
}
