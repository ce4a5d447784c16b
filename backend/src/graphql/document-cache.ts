import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type Source } from 'graphql';

/**
 * Parse and validation shared by every WebSocket subscription that sends the same operation.
 * The gateway multiplexes all browsers' subscriptions over one socket with a handful of distinct
 * documents; graphql-ws would otherwise parse and validate each subscribe again and keep a
 * separate AST per subscription (measured: most of the backend's memory per subscription).
 * Documents are immutable once parsed, so sharing one is safe.
 */
export function documentCache(maxEntries = 1000) {
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();

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
  };
}
