import type { IncomingMessage } from 'node:http';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { errorBody, type ClientFormat } from './drop-in/client-format.js';
import { sendJson } from './http-json.js';
import type { Handler } from './product-api.js';

/** One model the gateway answers for: an alias the router resolves, or a configured provider's model. */
export interface ListedModel {
  id: string;
  /** The provider configured with it; `codecontext` for an alias (the router picks the provider). */
  ownedBy: string;
}

/**
 * What a client may put in `model`: the routing aliases first (`auto`), then each configured provider's model
 * once, in the config's order. Models reachable only through the price table (a vendor's other models) are not
 * listed: a model picker should offer what this configuration serves.
 */
export function listModels(gateway: CodeContextGateway): ListedModel[] {
  const listed: ListedModel[] = gateway.config.values.routing.aliases.map((id) => ({ id, ownedBy: 'codecontext' }));
  for (const provider of gateway.providers) {
    if (!listed.some((model) => model.id === provider.model))
      listed.push({ id: provider.model, ownedBy: provider.name });
  }
  return listed;
}

/**
 * Anthropic's SDKs always send `anthropic-version`; OpenAI's never do. A bare `x-api-key` (curl after Anthropic's
 * docs) counts too, unless an `Authorization: Bearer` says OpenAI.
 */
export function modelListFormat(request: IncomingMessage): ClientFormat {
  if (request.headers['anthropic-version']) return 'anthropic';
  return request.headers['x-api-key'] && !request.headers.authorization ? 'anthropic' : 'openai';
}

// Neither vendor's list says when this gateway learned a model, so both creation fields carry the epoch rather
// than an invented date.
function openaiModel(model: ListedModel): Record<string, unknown> {
  return { id: model.id, object: 'model', created: 0, owned_by: model.ownedBy };
}

function anthropicModel(model: ListedModel): Record<string, unknown> {
  return { type: 'model', id: model.id, display_name: model.id, created_at: '1970-01-01T00:00:00Z' };
}

/**
 * `GET /v1/models` and `GET /v1/models/{id}` in the dialect of the client asking (OpenAI's `{object: "list"}`
 * or Anthropic's page with `has_more`), so editor model pickers and "test connection" buttons work.
 */
export function modelRoutes(gateway: CodeContextGateway): { list: Handler; one: Handler } {
  return {
    list: async (request, response) => {
      const models = listModels(gateway);
      if (modelListFormat(request) === 'openai')
        return sendJson(response, 200, { object: 'list', data: models.map(openaiModel) });
      sendJson(response, 200, {
        data: models.map(anthropicModel),
        has_more: false,
        first_id: models[0]?.id ?? null,
        last_id: models.at(-1)?.id ?? null,
      });
    },
    one: async (request, response, url) => {
      const id = decodeURIComponent(url.pathname.slice('/v1/models/'.length));
      const model = listModels(gateway).find((candidate) => candidate.id === id);
      const format = modelListFormat(request);
      if (!model)
        return sendJson(response, 404, errorBody(format, 404, `model "${id}" is not served here`, 'model_not_found'));
      sendJson(response, 200, format === 'openai' ? openaiModel(model) : anthropicModel(model));
    },
  };
}
