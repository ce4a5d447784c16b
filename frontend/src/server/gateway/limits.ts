import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ErrorCode } from '../../graphql/generated/schema-enums.js';
import { isGraphQLError } from './errors.js';

// Yoga's and envelop's plugin types differ only in their context parameter's variance.
// biome-ignore lint: any is the honest type for a heterogeneous plugin list.
type AnyPlugin = Plugin<any>;

/**
 * What one operation may ask for, on HTTP and WebSocket alike (both go through Yoga's parse and
 * validate). The app's own operations need depth 3, a handful of aliases and a few hundred
 * tokens; these bounds leave room for hand-written queries in GraphiQL and nothing more.
 * How many tasks one request can create is bounded by maxAliases here and, per session over
 * time, by the backend's rate limit.
 */
export const OPERATION_LIMITS = {
  maxAliases: { n: 5 },
  maxDepth: { n: 6 },
  maxTokens: { n: 1000 },
  maxDirectives: { n: 10 },
  costLimit: { maxCost: 2000 },
} as const;

function withCode(error: unknown, code: ErrorCode): GraphQLError {
  if (isGraphQLError(error)) {
    if (error.extensions?.code) return error;
    return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code } });
  }
  return new GraphQLError(error instanceof Error ? error.message : String(error), { extensions: { code } });
}

/** Gives parse and validation failures (ours and the armor's) their documented codes. */
function useErrorCodes(): AnyPlugin {
  return {
    onParse: () => ({ result, replaceParseResult }) => {
      if (result instanceof Error) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'));
    },
    onValidate: () => ({ result, setResult }) => {
      if (result.length > 0) setResult(result.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')));
    },
  };
}

/**
 * Refuses introspection in every validation. Yoga's useDisableIntrospection marks requests in
 * onRequestParse, which only the HTTP leg goes through, so the WebSocket leg answered
 * introspection in production.
 */
function useNoIntrospection(): AnyPlugin {
  return {
    onValidate: ({ addValidationRule }) => {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

export interface LimitOptions {
  /** Development features (introspection, field suggestions) stay on. */
  exploration: boolean;
}

export function limitPlugins({ exploration }: LimitOptions): AnyPlugin[] {
  const armor = new EnvelopArmor({
    ...OPERATION_LIMITS,
    blockFieldSuggestion: { enabled: !exploration },
  }).protect().plugins as AnyPlugin[];
  return [
    ...armor,
    // "Simple" cross-site requests (form posts, text/plain, multipart, plain GETs) are refused:
    // a request must be JSON (which browsers preflight) or carry this header.
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
    ...(exploration ? [] : [useNoIntrospection()]),
    useErrorCodes(),
  ];
}
