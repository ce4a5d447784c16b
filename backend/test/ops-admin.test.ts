/**
 * The dashboard's door on a real socket (in-process HTTP server): Basic auth as user `admin`,
 * and nobody at all when ADMIN_PASSWORD is unset.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { adminAuth } from '../src/ops/admin.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(password: string | undefined): Promise<string> {
  const auth = adminAuth(password);
  const server = createServer((req, res) => auth(req, res, () => res.end('inside')));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
}

const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

describe('adminAuth', () => {
  test('with a password: only admin:<password> gets in; others get 401 and a Basic challenge', async () => {
    const url = await serve('correct horse battery');
    const ok = await fetch(url, { headers: basic('admin', 'correct horse battery') });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'inside');
    for (const headers of [{}, basic('admin', 'wrong'), basic('other', 'correct horse battery'), { authorization: 'Bearer correct horse battery' }]) {
      const res = await fetch(url, { headers });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      assert.doesNotMatch(await res.text(), /inside/);
    }
  });

  test('without a password: everyone is refused, whatever they send', async () => {
    const url = await serve(undefined);
    for (const headers of [{}, basic('admin', ''), basic('admin', 'undefined')]) {
      assert.equal((await fetch(url, { headers })).status, 401);
    }
  });
});
