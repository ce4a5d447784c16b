import { mapAsyncIterator } from '@whatwg-node/promise-helpers';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import {
  createSourceEventStream,
  parse,
  subscribe,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  type ParseOptions,
  type Source,
  type ValidationRule,
} from 'graphql';

/**
 * Parse, validation and compilation shared by every WebSocket subscription that sends the same
 * operation. The gateway multiplexes all browsers' subscriptions over one socket with a handful
 * of distinct documents; without this, graphql-ws would parse and validate each subscribe again
 * and keep an AST per subscription, and graphql-js would interpret the selection again for every
 * event of every subscription (docs/performance.md). Documents are immutable once parsed, so
 * sharing one, and the code graphql-jit compiles for it, is safe.
 *
 * Only the per-event execution is compiled: the subscription itself (arguments, the source
 * stream, its errors) is set up by graphql-js, since graphql-jit's own `subscribe` hands the
 * operation's variables to the field as its arguments (wrong for `taskStatus(id: "…")`).
 */
export interface DocumentCacheOptions {
  /** Distinct documents kept (the oldest are evicted). */
  maxEntries?: number;
  /** graphql-js's parser options: `maxTokens` bounds what one document may cost to parse. */
  parseOptions?: ParseOptions;
  /** The validation rules (graphql-js's `specifiedRules` when unset): with the operation limits' rules, the WebSocket validates as HTTP does. */
  rules?: readonly ValidationRule[];
  /** Leave out graphql-js's "Did you mean …?" (the schema is not public in production). */
  hideSuggestions?: boolean;
}

export function documentCache({ maxEntries = 1000, parseOptions, rules, hideSuggestions }: DocumentCacheOptions = {}) {
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();
  const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CompiledQuery | null>>>();

  /** The compiled operation, or null where graphql-jit cannot compile it (graphql-js runs it then). */
  function compiledFor(args: ExecutionArgs): CompiledQuery | null {
    let bySchema = compiled.get(args.schema);
    if (!bySchema) {
      bySchema = new WeakMap();
      compiled.set(args.schema, bySchema);
    }
    let byName = bySchema.get(args.document);
    if (!byName) {
      byName = new Map();
      bySchema.set(args.document, byName);
    }
    const name = args.operationName ?? '';
    let query = byName.get(name);
    if (query === undefined) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      query = isCompiledQuery(result) && result.subscribe ? result : null;
      byName.set(name, query);
    }
    return query;
  }

  return {
    parse(source: string | Source): DocumentNode {
      const text = typeof source === 'string' ? source : source.body;
      let document = documents.get(text);
      if (document) return document;
      document = parse(source, parseOptions);
      // Bounded: a caller sending ever-new documents evicts the oldest instead of growing it.
      if (documents.size >= maxEntries) documents.delete(documents.keys().next().value!);
      documents.set(text, document);
      return document;
    },
    validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
      let bySchema = validated.get(schema);
      if (!bySchema) {
        bySchema = new WeakMap();
        validated.set(schema, bySchema);
      }
      let errors = bySchema.get(document);
      if (!errors) {
        errors = validate(schema, document, rules, { hideSuggestions });
        bySchema.set(document, errors);
      }
      return errors;
    },
    /** graphql-ws's `subscribe`: graphql-js's source stream, each event run by the compiled selection. */
    async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
      const query = compiledFor(args);
      if (!query) return subscribe(args);
      const stream = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in stream)) return stream;
      // Closing the result closes the source at once; a synchronous `run` costs no extra turn.
      return mapAsyncIterator(stream, (payload) => query.query(payload, args.contextValue, args.variableValues));
    },
  };
}
