/**
 * Raw chain, second hop (stands where the frontend stands): one WebSocket per client, one
 * multiplexed WebSocket to raw-sub. A client's `{"s": id}` is forwarded upstream once per id
 * and acked to the client when upstream acks; upstream messages `<id>\n<payload>` go to every
 * client socket of that id as `<payload>`.
 */
import WebSocket, { WebSocketServer } from 'ws';

const upstream = new WebSocket(process.env.RAW_SUB_URL!);
const clients = new Map<string, Set<WebSocket>>();
const pending = new Map<string, WebSocket[]>();

upstream.on('message', (data) => {
  const text = data.toString();
  if (text.charCodeAt(0) === 123 /* { */) {
    const { a } = JSON.parse(text) as { a: string };
    for (const ws of pending.get(a) ?? []) ws.send(text);
    pending.delete(a);
    return;
  }
  const nl = text.indexOf('\n');
  const payload = text.slice(nl + 1);
  for (const ws of clients.get(text.slice(0, nl)) ?? []) ws.send(payload);
});

upstream.once('open', () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    let id: string | undefined;
    ws.on('message', (data) => {
      id = (JSON.parse(data.toString()) as { s: string }).s;
      let set = clients.get(id);
      if (!set) {
        set = new Set();
        clients.set(id, set);
        pending.set(id, [ws]);
        upstream.send(JSON.stringify({ s: id }));
      } else {
        ws.send(JSON.stringify({ a: id }));
      }
      set.add(ws);
    });
    ws.on('close', () => {
      if (id) clients.get(id)?.delete(ws);
    });
  });
  wss.on('listening', () => {
    const addr = wss.address() as { port: number };
    console.log(`raw-relay ready on ws://127.0.0.1:${addr.port}`);
  });
});
process.on('SIGTERM', () => process.exit(0));
