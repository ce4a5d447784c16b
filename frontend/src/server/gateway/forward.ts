import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { codedError } from './errors.js';
import type { GatewayContext, Upstream } from './upstream.js';

const SUBSCRIPTIONS_ON_WEBSOCKET = () =>
  codedError('BAD_REQUEST', 'Subscriptions are served over WebSocket only (graphql-transport-ws on this path)', { http: { status: 400 } });

/**
 * The HTTP leg's forwarding. Queries and mutations that Yoga has parsed and validated (limits,
 * trusted documents, error codes) are sent upstream as they are, by the same executor the
 * wrapped schema would call: the backend serves the same SDL and executes the same selection,
 * so its result is the answer. Operations that ask for the schema itself (`__schema`, `__type`
 * at the root: GraphiQL's docs in development) are still answered here, since the backend may
 * refuse introspection.
 *
 * Subscriptions are served on the WebSocket leg only (ws.ts): one over HTTP (GraphQL over SSE,
 * or a plain POST) is refused with BAD_REQUEST and HTTP 400 before anything reaches the backend.
 */
export function useForwardUpstream(upstream: Upstream): Plugin<GatewayContext> {
  return {
    onSubscribe() {
      throw SUBSCRIPTIONS_ON_WEBSOCKET();
    },
    onExecute({ args, setExecuteFn }) {
      if (asksForSchema(args.document, args.operationName)) return;
      setExecuteFn(
        (a) =>
          upstream.executor({
            document: a.document,
            variables: (a.variableValues ?? undefined) as Record<string, unknown> | undefined,
            operationName: a.operationName ?? undefined,
            context: a.contextValue as GatewayContext,
          }) as never,
      );
    },
  };
}

/** Whether the operation selects an introspection field (`__schema`, `__type`, `__typename`) at its root. */
export function asksForSchema(document: DocumentNode, operationName?: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return true; // let graphql report it
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value.startsWith('__');
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const fragment = fragments.get(s.name.value);
      return fragment ? visit(fragment) : false;
    });
  return visit(operation.selectionSet);
}
