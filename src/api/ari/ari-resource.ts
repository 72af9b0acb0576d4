/**
 * How an ARI resource is declared: its REST operations (method, path template, parameters,
 * response class) with their handlers, and the JSON models it returns. One declaration drives
 * both the router and the Swagger 1.2 document served at `/ari/api-docs/<name>.json`, so the
 * documents describe exactly what is implemented (ari-client builds its API from them).
 */
import type { AriUser } from "../../config/index.js";

export type AriMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface AriParameter {
  readonly name: string;
  readonly description: string;
  readonly paramType: "path" | "query" | "body";
  readonly required: boolean;
  readonly allowMultiple: boolean;
  readonly dataType: string;
  readonly defaultValue?: string | number | boolean;
  readonly allowableValues?: { readonly valueType: "LIST"; readonly values: readonly string[] };
}

export interface AriRequest {
  /** Path parameters by name (`channelId`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly user: AriUser;
  /** The JSON body of a POST or PUT, if any (`{"variables": {…}}` of an originate). */
  readonly body?: unknown;
}

export interface AriReply {
  readonly status: number;
  /** Serialized as JSON; undefined sends an empty body (204). */
  readonly body?: unknown;
  /** Sent as is instead of JSON (a stored recording's file). */
  readonly raw?: { readonly contentType: string; readonly data: Buffer };
}

export interface AriOperation {
  readonly httpMethod: AriMethod;
  readonly summary: string;
  readonly nickname: string;
  /** `AsteriskInfo`, `List[Channel]`, `void`. */
  readonly responseClass: string;
  readonly parameters: readonly AriParameter[];
  readonly errorResponses?: ReadonlyArray<{ readonly code: number; readonly reason: string }>;
  handle(req: AriRequest): AriReply | Promise<AriReply>;
}

export interface AriApi {
  /** Swagger path template below /ari: `/channels/{channelId}`. */
  readonly path: string;
  readonly description: string;
  readonly operations: readonly AriOperation[];
}

export interface AriModelProperty {
  readonly type: string;
  readonly description: string;
  readonly required?: boolean;
  readonly allowableValues?: { readonly valueType: "LIST"; readonly values: readonly string[] };
}

export interface AriModel {
  readonly id: string;
  readonly description: string;
  /** The model this one extends (events extend `Event`, which extends `Message`). */
  readonly extends?: string;
  readonly subTypes?: readonly string[];
  readonly properties: Readonly<Record<string, AriModelProperty>>;
}

export interface AriResource {
  /** `asterisk`, `channels`, `deviceStates` — the name in resources.json and in ari-client. */
  readonly name: string;
  readonly description: string;
  readonly apis: readonly AriApi[];
  readonly models: readonly AriModel[];
}

/** An ARI error answer: the status and Asterisk's `{"message": "…"}` body. */
export class AriError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parameter shorthands for the declarations. */
export function pathParam(name: string, description: string): AriParameter {
  return { name, description, paramType: "path", required: true, allowMultiple: false, dataType: "string" };
}

export function queryParam(name: string, description: string, o: { required?: boolean; dataType?: string; allowMultiple?: boolean; defaultValue?: string | number | boolean; values?: readonly string[] } = {}): AriParameter {
  return {
    name,
    description,
    paramType: "query",
    required: o.required ?? false,
    allowMultiple: o.allowMultiple ?? false,
    dataType: o.dataType ?? "string",
    ...(o.defaultValue === undefined ? {} : { defaultValue: o.defaultValue }),
    ...(o.values === undefined ? {} : { allowableValues: { valueType: "LIST" as const, values: o.values } }),
  };
}

/** A model property shorthand: `prop("string", "Channel's name", true)`. */
export function prop(type: string, description: string, required = true, values?: readonly string[]): AriModelProperty {
  return { type, description, required, ...(values === undefined ? {} : { allowableValues: { valueType: "LIST" as const, values } }) };
}
