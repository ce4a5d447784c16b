/**
 * Raw graphql-ws server (set-up rate baseline): the same `taskStatus` subscription shape,
 * answered from memory at once, with graphql-ws's defaults (a parse per subscribe).
 */
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(`
  type Task { id: ID! status: String! progress: Int! version: Int! }
  type Query { ok: Boolean }
  type Subscription { taskStatus(id: ID!): Task! }
`);
const roots = {
  taskStatus: async function* ({ id }: { id: string }) {
    yield { taskStatus: { id, status: 'IN_PROGRESS', progress: 0, version: 1 } };
    await new Promise(() => undefined);
  },
};
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
useServer({ schema, roots: { subscription: roots } as never }, wss);
wss.on('listening', () => {
  const addr = wss.address() as { port: number };
  console.log(`raw-gqlws ready on ws://127.0.0.1:${addr.port}`);
});
process.on('SIGTERM', () => process.exit(0));
