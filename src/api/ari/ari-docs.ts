/**
 * The Swagger documents ari-client reads to build its API: `/ari/api-docs/resources.json`
 * (Swagger 1.1, the list of resources) and one API declaration per resource (Swagger 1.2:
 * operations with `httpMethod`, `nickname`, `responseClass`, `parameters`, and the models).
 * They are generated from the resource declarations (ari-resource.ts), so they list exactly
 * the operations Switchboard implements. `basePath` follows the request's Host header, as
 * Asterisk's does, so a client behind another name or port still finds the API.
 */
import type { AriModel, AriResource } from "./ari-resource.js";

/** The ARI version these documents announce. */
export const ARI_API_VERSION = "1.0.0";

function modelJson(m: AriModel): Record<string, unknown> {
  return {
    id: m.id,
    description: m.description,
    ...(m.extends === undefined ? {} : { extends: m.extends }),
    ...(m.subTypes === undefined ? {} : { subTypes: m.subTypes }),
    properties: m.properties,
  };
}

export function resourceListing(resources: readonly AriResource[], basePath: string): Record<string, unknown> {
  return {
    apiVersion: ARI_API_VERSION,
    swaggerVersion: "1.1",
    basePath,
    apis: resources.map((r) => ({ path: `/api-docs/${r.name}.{format}`, description: r.description })),
  };
}

export function apiDeclaration(r: AriResource, basePath: string): Record<string, unknown> {
  return {
    apiVersion: ARI_API_VERSION,
    swaggerVersion: "1.2",
    basePath,
    resourcePath: `/api-docs/${r.name}.{format}`,
    apis: r.apis.map((a) => ({
      path: a.path,
      description: a.description,
      operations: a.operations.map((o) => ({
        httpMethod: o.httpMethod,
        summary: o.summary,
        nickname: o.nickname,
        responseClass: o.responseClass,
        parameters: o.parameters,
        ...(o.errorResponses === undefined ? {} : { errorResponses: o.errorResponses }),
      })),
    })),
    models: Object.fromEntries(r.models.map((m) => [m.id, modelJson(m)])),
  };
}
