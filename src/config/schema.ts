import { MAX_TOKEN_BUDGET, MAX_TOP_K } from '../shared/input-limits.js';

/**
 * The one schema of `.codecontext.toml`: every key with its type, default, bounds, environment variable and the
 * stage that reads it. Later stages extend it here; the loader, the README table and the example file's test all
 * read this module, so a key cannot exist in one place and not the others.
 */
interface FieldBase {
  doc: string;
  /** Which command or stage reads the key. */
  usedBy: string;
}
export interface IntegerField extends FieldBase {
  type: 'integer';
  default?: number;
  min?: number;
  max?: number;
}
export interface NumberField extends FieldBase {
  type: 'number';
  default?: number;
  min?: number;
  max?: number;
}
export interface BooleanField extends FieldBase {
  type: 'boolean';
  default?: boolean;
}
export interface StringField extends FieldBase {
  type: 'string';
  default?: string;
  enum?: readonly string[];
}
export interface StringListField extends FieldBase {
  type: 'string[]';
  default?: readonly string[];
}
export type FieldSpec = IntegerField | NumberField | BooleanField | StringField | StringListField;

export interface SectionSpec {
  type: 'section';
  doc: string;
  fields: Readonly<Record<string, Spec>>;
}
export interface TableArraySpec {
  type: 'table_array';
  doc: string;
  item: SectionSpec;
}
/** Tables under free-form keys (`[prices."my-model"]`); the keys are kept exactly as written. */
export interface TableMapSpec {
  type: 'table_map';
  doc: string;
  keyName: string;
  item: SectionSpec;
}
export type Spec = FieldSpec | SectionSpec | TableArraySpec | TableMapSpec;

export const PROVIDER_KINDS = ['openai', 'anthropic', 'ollama', 'openai_compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export const TIER_NAMES = ['cheap', 'standard', 'premium'] as const;

export const CONFIG_SCHEMA: SectionSpec = {
  type: 'section',
  doc: 'top level',
  fields: {
    default_context_budget_tokens: {
      type: 'integer',
      default: 4000,
      min: 1,
      max: MAX_TOKEN_BUDGET,
      usedBy: 'prepare-context-pack, auto-start-request',
      doc: 'Token budget of a context pack when --token-budget is not given.',
    },
    default_top_k: {
      type: 'integer',
      default: 6,
      min: 1,
      max: MAX_TOP_K,
      usedBy: 'search-project, prepare-context-pack, auto-start-request',
      doc: 'How many ranked chunks or files to consider when --top-k is not given.',
    },
    max_escalation_cost_per_request: {
      type: 'number',
      default: 0.08,
      min: 0,
      usedBy: 'route',
      doc: 'Hard cap in USD for one request to an external provider (input + max_tokens output, priced before the call).',
    },
    enable_embeddings: {
      type: 'boolean',
      default: true,
      usedBy: 'index-project, search-project',
      doc: 'Fuse embedding similarity with BM25 when an embedding model is available.',
    },
    embedding_model: {
      type: 'string',
      default: 'Xenova/all-MiniLM-L6-v2',
      usedBy: 'index-project, search-project, prepare-context-pack',
      doc: 'Embedding model id (transformers.js, quantized), downloaded to the cache on first use.',
    },
    embedding_model_path: {
      type: 'string',
      usedBy: 'index-project, search-project, prepare-context-pack',
      doc: 'A local directory holding <model id>/ (config.json, tokenizer.json, onnx/model_quantized.onnx); no download.',
    },
    embedding_query_prefix: {
      type: 'string',
      default: '',
      usedBy: 'search-project, prepare-context-pack',
      doc: 'Text put before the goal when it is embedded (the instruction some models are trained with; chunks get none).',
    },
    max_file_bytes: {
      type: 'integer',
      default: 1_048_576,
      min: 1,
      usedBy: 'scan-project, index-project',
      doc: 'Files larger than this are skipped with reason too_large.',
    },
    include_declaration_files: {
      type: 'boolean',
      default: false,
      usedBy: 'scan-project, index-project',
      doc: 'Index TypeScript declaration files (.d.ts); skipped with reason declaration_file otherwise.',
    },
    include: {
      type: 'string[]',
      default: [],
      usedBy: 'scan-project, index-project',
      doc: 'Glob patterns (relative to the root); when non-empty, only matching files are scanned. --include replaces it.',
    },
    exclude: {
      type: 'string[]',
      default: [],
      usedBy: 'scan-project, index-project',
      doc: 'Glob patterns (relative to the root) skipped with reason excluded, on top of ignore files. --exclude replaces it.',
    },
    refresh_on_read: {
      type: 'boolean',
      default: true,
      usedBy: 'every command and server that reads the index',
      doc: 'Bring the index up to date before reading it (a stat pass; servers watch the tree). --no-refresh turns it off.',
    },
    index_history: {
      type: 'boolean',
      default: true,
      usedBy: 'index-project, search-project, prepare-context-pack',
      doc: 'When the root is in a git repository, index the messages and changed files of its recent commits (ancestors of HEAD only) and rank by similar past fixes and by files that change together.',
    },
    history_commits: {
      type: 'integer',
      default: 5000,
      min: 1,
      max: 200_000,
      usedBy: 'index-project',
      doc: 'How many of the newest non-merge commits reachable from HEAD the history index keeps.',
    },
    data_dir: {
      type: 'string',
      usedBy: 'every command that reads or writes the database',
      doc: 'Where the SQLite database lives, relative to the root (default .codecontext/data).',
    },
    baseline_model: {
      type: 'string',
      default: 'gpt-4o',
      usedBy: 'ledger, reports',
      doc: 'The model the naive baseline (whole files + goal) is priced at, for savings figures.',
    },
    allow_unpriced: {
      type: 'boolean',
      default: false,
      usedBy: 'route',
      doc: 'Removed: must stay false. A model with no known price can be held to no cap or budget, so it is never called; give it [prices."<model>"] (or mark a provider you run yourself local = true).',
    },
    local_cost_per_1m: {
      type: 'number',
      default: 0,
      min: 0,
      usedBy: 'route, ledger',
      doc: 'USD per 1M tokens (input and output) charged for providers marked local.',
    },
    budget_usd_per_day: {
      type: 'number',
      min: 0,
      usedBy: 'route',
      doc: 'Optional spend limit per UTC day across all processes sharing the database (reserved before each call).',
    },
    budget_usd_per_month: {
      type: 'number',
      min: 0,
      usedBy: 'route',
      doc: 'Optional spend limit per UTC calendar month, reserved like budget_usd_per_day.',
    },
    gateway_cache_ttl_seconds: {
      type: 'integer',
      default: 3600,
      min: 0,
      max: 31_536_000,
      usedBy: 'serve-api',
      doc: 'How long the drop-in endpoints replay an identical request from the exact cache; 0 turns the cache off.',
    },
    redact_client_messages: {
      type: 'boolean',
      default: true,
      usedBy: 'serve-api',
      doc: 'Mask high-confidence secrets in messages clients send through the drop-in endpoints before forwarding them.',
    },
    llm_client: {
      type: 'section',
      doc: 'The default external model client.',
      fields: {
        enabled: {
          type: 'boolean',
          default: false,
          usedBy: 'auto-start-request',
          doc: 'When false every request is a dry run: the payload is built and priced, nothing is sent.',
        },
        provider: {
          type: 'string',
          default: 'openai',
          enum: PROVIDER_KINDS,
          usedBy: 'providers',
          doc: 'Wire protocol of the endpoint.',
        },
        model: {
          type: 'string',
          default: 'gpt-4o-mini',
          usedBy: 'providers, pack (token encoding)',
          doc: 'Model id sent upstream.',
        },
        api_key_env: {
          type: 'string',
          default: 'OPENAI_API_KEY',
          usedBy: 'providers',
          doc: 'Name of the environment variable holding the key, read at call time. Never put the key itself here.',
        },
        base_url: {
          type: 'string',
          usedBy: 'providers',
          doc: "Endpoint base URL; defaults to the provider's public API (Ollama: http://127.0.0.1:11434).",
        },
        max_tokens: {
          type: 'integer',
          default: 1024,
          min: 1,
          max: 1_000_000,
          usedBy: 'providers, route',
          doc: 'Output token limit per call.',
        },
        temperature: {
          type: 'number',
          default: 0.2,
          min: 0,
          max: 2,
          usedBy: 'providers',
          doc: 'Sampling temperature.',
        },
        timeout_seconds: {
          type: 'number',
          default: 60,
          min: 0.1,
          max: 3600,
          usedBy: 'providers',
          doc: 'Give up on an attempt after this long (then retry or fall back).',
        },
      },
    },
    providers: {
      type: 'table_array',
      doc: 'More endpoints beside [llm_client], each with a tier; the router picks among them.',
      item: {
        type: 'section',
        doc: 'one provider',
        fields: {
          name: {
            type: 'string',
            usedBy: 'route',
            doc: 'Unique name, used in routing.fallbacks and the ledger (required).',
          },
          provider: { type: 'string', enum: PROVIDER_KINDS, usedBy: 'providers', doc: 'Wire protocol (required).' },
          model: { type: 'string', usedBy: 'providers', doc: 'Model id sent upstream and priced (required).' },
          base_url: {
            type: 'string',
            usedBy: 'providers',
            doc: "Endpoint base URL; defaults to the provider's public API.",
          },
          api_key_env: {
            type: 'string',
            usedBy: 'providers',
            doc: 'Variable holding the key; optional for ollama and local providers.',
          },
          local: {
            type: 'boolean',
            default: false,
            usedBy: 'route',
            doc: 'Runs on your own hardware: eligible for local_model routes, priced at local_cost_per_1m.',
          },
          tier: {
            type: 'string',
            default: 'standard',
            enum: TIER_NAMES,
            usedBy: 'route',
            doc: 'cheap | standard | premium.',
          },
          max_tokens: {
            type: 'integer',
            min: 1,
            max: 1_000_000,
            usedBy: 'providers, route',
            doc: 'Output token limit (default: llm_client.max_tokens).',
          },
          temperature: {
            type: 'number',
            min: 0,
            max: 2,
            usedBy: 'providers',
            doc: 'Sampling temperature (default: llm_client.temperature).',
          },
          timeout_seconds: {
            type: 'number',
            min: 0.1,
            max: 3600,
            usedBy: 'providers',
            doc: 'Per-attempt timeout (default: llm_client.timeout_seconds).',
          },
        },
      },
    },
    routing: {
      type: 'section',
      doc: 'How requests are classified and which provider serves them.',
      fields: {
        tiers: {
          type: 'string[]',
          default: ['cheap', 'standard', 'premium'],
          usedBy: 'route',
          doc: 'Tier order, cheapest first: "a cheaper tier" means an earlier one.',
        },
        fallbacks: {
          type: 'string[]',
          default: [],
          usedBy: 'route',
          doc: 'Provider names tried in order when the chosen one fails.',
        },
        aliases: {
          type: 'string[]',
          default: ['auto'],
          usedBy: 'serve-api',
          doc: 'Model names that let the router choose.',
        },
        local_answers: {
          type: 'boolean',
          default: true,
          usedBy: 'route',
          doc: 'Answer look-up questions (where is X defined, who calls X …) from the index, with no model.',
        },
        cheap_below: {
          type: 'number',
          default: 0.35,
          min: 0,
          max: 1,
          usedBy: 'route',
          doc: 'Complexity scores below this go to the cheap tier (or a local model when trivial).',
        },
        premium_from: {
          type: 'number',
          default: 0.75,
          min: 0,
          max: 1,
          usedBy: 'route',
          doc: 'Complexity scores from this up go to the premium tier.',
        },
        hard_patterns: {
          type: 'string[]',
          default: [],
          usedBy: 'route',
          doc: 'Extra regular expressions (case-insensitive) that mark a prompt as needing real reasoning.',
        },
        trivial_patterns: {
          type: 'string[]',
          default: [],
          usedBy: 'route',
          doc: 'Extra regular expressions that mark a prompt as trivial (local model when configured).',
        },
        max_escalations: {
          type: 'integer',
          default: 1,
          min: 0,
          max: 5,
          usedBy: 'route (every surface)',
          doc: 'When the router chose the model (CLI, product API, MCP, drop-in model "auto"): retry a truncated or clearly uncertain answer on the next stronger tier at most this many times (within the cap).',
        },
        cooldown_rate_limited_seconds: {
          type: 'integer',
          default: 300,
          min: 0,
          usedBy: 'route (every surface; shared in the database)',
          doc: "After a 429 without Retry-After, skip that provider's model this long.",
        },
        cooldown_auth_seconds: {
          type: 'integer',
          default: 3600,
          min: 0,
          usedBy: 'route (every surface; shared in the database)',
          doc: 'After a 401, skip every model of that provider called with that key this long; after a 403, that model.',
        },
        cooldown_not_found_seconds: {
          type: 'integer',
          default: 1800,
          min: 0,
          usedBy: 'route (every surface; shared in the database)',
          doc: "After a 404 (unknown model), skip that provider's model this long (its other models still serve).",
        },
      },
    },
    storage: {
      type: 'section',
      doc: "Where the gateway's shared state lives: the ledger, budget reservations, cooldowns and the response cache.",
      fields: {
        url: {
          type: 'string',
          usedBy: 'serve-api, auto-start-request, reports (every reader and writer of the ledger)',
          doc: 'postgres://user@host:port/db puts them on PostgreSQL, shared by every process and replica using it; unset: the SQLite file beside the index. The password goes in PGPASSWORD or ~/.pgpass, never here.',
        },
      },
    },
    cache: {
      type: 'section',
      doc: 'An optional Redis shared by the gateway replicas, for what may be lost: never budgets or the ledger.',
      fields: {
        redis_url: {
          type: 'string',
          usedBy: 'serve-api',
          doc: 'redis://host:port/db holds the response cache, coalescing of identical requests across replicas and per-key rate counters; unset: the cache in the storage, coalescing per process, rates counted in the ledger. Redis out of reach: requests go on without it. The password goes in CODECONTEXT_CACHE_REDIS_URL, never here.',
        },
      },
    },
    prices: {
      type: 'table_map',
      keyName: 'model',
      doc: 'Price overrides and additions, USD per 1M tokens, keyed by model id: [prices."my-model"].',
      item: {
        type: 'section',
        doc: 'one model',
        fields: {
          input: { type: 'number', min: 0, usedBy: 'route, ledger', doc: 'Input tokens (required).' },
          output: { type: 'number', min: 0, usedBy: 'route, ledger', doc: 'Output tokens (required).' },
          cached_input: { type: 'number', min: 0, usedBy: 'ledger', doc: 'Cached input tokens (default: input).' },
          cache_write: { type: 'number', min: 0, usedBy: 'ledger', doc: 'Cache-write input tokens (default: input).' },
        },
      },
    },
  },
};
