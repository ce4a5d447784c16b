import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { OPERATION_LIMITS } from '@longrun/server-common';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ErrorCode } from '../../graphql/generated/schema-enums.js';
import { isGraphQLError } from './errors.js';

// Yoga's and envelop's plugin types differ only in their context parameter's variance.
// biome-ignore lint/suspicious/noExplicitAny: any is the honest type for a heterogeneous plugin list.
type AnyPlugin = Plugin<any>;

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
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof Error) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'));
      },
    onValidate:
      () =>
      ({ result, setResult }) => {
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
  // OPERATION_LIMITS hold on HTTP and WebSocket alike: both go through Yoga's parse and validate.
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
