import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { parse, subscribe, validate, type DocumentNode, type ExecutionArgs, type GraphQLError, type GraphQLSchema, type Source } from 'graphql';

/**
 * Parse, validation and compilation shared by every WebSocket subscription that sends the same
 * operation. The gateway multiplexes all browsers' subscriptions over one socket with a handful
 * of distinct documents; graphql-ws would otherwise parse and validate each subscribe again and
 * keep a separate AST per subscription (measured: most of the backend's memory per
 * subscription), and graphql-js would interpret the selection again for every event of every
 * subscription (measured: the largest JS cost per status event). Documents are immutable once
 * parsed, so sharing one, and the code graphql-jit compiles for it, is safe.
 */
export function documentCache(maxEntries = 1000) {
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();
  const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CompiledQuery | null>>>();

  /** The compiled operation, or null where graphql-jit cannot compile it (graphql-js runs it then). */
  function compiledFor(args: ExecutionArgs): CompiledQuery | null {
    let bySchema = compiled.get(args.schema);
    if (!bySchema) compiled.set(args.schema, (bySchema = new WeakMap()));
    let byName = bySchema.get(args.document);
    if (!byName) bySchema.set(args.document, (byName = new Map()));
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
      document = parse(source);
      // Bounded: a caller sending ever-new documents evicts the oldest instead of growing it.
      if (documents.size >= maxEntries) documents.delete(documents.keys().next().value!);
      documents.set(text, document);
      return document;
    },
    validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
      let bySchema = validated.get(schema);
      if (!bySchema) validated.set(schema, (bySchema = new WeakMap()));
      let errors = bySchema.get(document);
      if (!errors) bySchema.set(document, (errors = validate(schema, document)));
      return errors;
    },
    /** graphql-ws's `subscribe`: the compiled operation (see above), graphql-js as the fallback. */
    subscribe(args: ExecutionArgs) {
      const query = compiledFor(args);
      return query ? query.subscribe!(args.rootValue, args.contextValue, args.variableValues) : subscribe(args);
    },
  };
}
