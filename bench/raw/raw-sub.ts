/**
 * Raw chain, first hop (stands where the backend API stands): one Redis subscriber connection;
 * one multiplexed WebSocket from the relay. `{"s": id}` subscribes to `raw:<id>` and is acked
 * once Redis confirms; each published message goes to the relay as `<id>\n<payload>`.
 */
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

const redis = new Redis(process.env.REDIS_URL!);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let relay: import('ws').WebSocket | undefined;

redis.on('message', (channel: string, message: string) => {
  relay?.send(`${channel.slice(4)}\n${message}`);
});

wss.on('connection', (ws) => {
  relay = ws;
  ws.on('message', (data) => {
    const { s } = JSON.parse(data.toString()) as { s: string };
    redis.subscribe(`raw:${s}`).then(() => ws.send(JSON.stringify({ a: s })));
  });
});
wss.on('listening', () => {
  const addr = wss.address() as { port: number };
  console.log(`raw-sub ready on ws://127.0.0.1:${addr.port}`);
});
process.on('SIGTERM', () => process.exit(0));
