import type { DocumentNode } from 'graphql';
import { useApolloClient } from '@apollo/client/react';
import { useState } from 'react';
import { useIsBrowser } from './clock';

/**
 * Whether a query must not run yet: on the server and while hydrating, unless the server
 * rendered its answer (apollo-provider.tsx seeds the cache with it). Then the first render, on
 * the server and in the browser, shows the same thing: the seeded answer, or nothing until the
 * browser has taken over and fetched it.
 */
export function useNotYet(query: DocumentNode, variables?: Record<string, unknown>): boolean {
  const browser = useIsBrowser();
  const client = useApolloClient();
  const [seeded] = useState(() => client.readQuery({ query, variables }) !== null);
  return !browser && !seeded;
}
