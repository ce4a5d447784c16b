/** The client address limits count under: X-Forwarded-For hops, spoofing, IPv6 /64, config. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressKey, clientAddress, type ProxyTrust } from '../src/server/client-address.js';
import { loadConfig } from '../src/server/config.js';

const NONE: ProxyTrust = { header: undefined, hops: 1 };
const XFF = (hops: number): ProxyTrust => ({ header: 'x-forwarded-for', hops });
const req = (peer: string | undefined, headers: Record<string, string | string[]> = {}) => ({ headers, socket: { remoteAddress: peer } }) as never;

describe('addressKey', () => {
  test('IPv4 as it is; a port, brackets and the IPv4-mapped form are shed', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey(' 203.0.113.7:5123 '), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::FFFF:203.0.113.7'), '203.0.113.7');
  });

  test('IPv6 by its /64: every address of one /64 is one key, the next /64 another', () => {
    const key = '2001:db8:1:2::/64';
    for (const a of [
      '2001:db8:1:2::1',
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      '[2001:db8:1:2:a:b:c:d]:443',
      '2001:DB8:1:2::abcd',
      '2001:db8:1:2::9%eth0',
    ]) {
      assert.equal(addressKey(a), key, a);
    }
    assert.equal(addressKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('2001:db8::1.2.3.4'), '2001:db8:0:0::/64');
    assert.equal(addressKey('1:2:3:4:5:6:7:8'), '1:2:3:4::/64');
  });

  test('anything else is not an address', () => {
    for (const bad of ['', 'unknown', 'evil.example', '999.1.1.1', '1.2.3', '2001:db8::1::2', '<script>', '1.2.3.4:port'])
      assert.equal(addressKey(bad), undefined, bad);
  });
});

describe('clientAddress', () => {
  test('without a trusted proxy: the socket peer, whatever the headers say', () => {
    assert.equal(clientAddress(req('198.51.100.9', { 'x-forwarded-for': '203.0.113.7' }), NONE), '198.51.100.9');
    assert.equal(clientAddress(req('::ffff:127.0.0.1'), NONE), '127.0.0.1');
    assert.equal(clientAddress(req(undefined), NONE), 'unknown');
  });

  test('one trusted hop: the right-most entry, which the proxy appended; spoofed entries to its left change nothing', () => {
    const peer = '10.0.0.2';
    assert.equal(clientAddress(req(peer, { 'x-forwarded-for': '203.0.113.7' }), XFF(1)), '203.0.113.7');
    for (const spoof of ['1.1.1.1', '1.1.1.1, 2.2.2.2', 'garbage', '', ', , ']) {
      assert.equal(clientAddress(req(peer, { 'x-forwarded-for': `${spoof}, 203.0.113.7` }), XFF(1)), '203.0.113.7', spoof);
    }
  });

  test('two trusted hops: the second entry from the right', () => {
    const h = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.3' };
    assert.equal(clientAddress(req('10.0.0.2', h), XFF(2)), '203.0.113.7');
    assert.equal(clientAddress(req('10.0.0.2', h), XFF(1)), '10.0.0.3');
    // Fewer entries than hops: the left-most (nothing a client added fits in a list that short).
    assert.equal(clientAddress(req('10.0.0.2', { 'x-forwarded-for': '203.0.113.7' }), XFF(2)), '203.0.113.7');
  });

  test('repeated headers are one list; IPv6 entries group by /64', () => {
    const h = { 'x-forwarded-for': ['6.6.6.6', '2001:db8:5:6::77'] };
    assert.equal(clientAddress(req('10.0.0.2', h), XFF(1)), '2001:db8:5:6::/64');
  });

  test('no header, or an entry that is not an address where the client should be: the socket peer', () => {
    assert.equal(clientAddress(req('10.0.0.2'), XFF(1)), '10.0.0.2');
    assert.equal(clientAddress(req('10.0.0.2', { 'x-forwarded-for': '203.0.113.7, not-an-ip' }), XFF(1)), '10.0.0.2');
  });

  test('any header name can be trusted (e.g. X-Real-IP), matched case-insensitively', () => {
    assert.equal(clientAddress(req('10.0.0.2', { 'x-real-ip': '203.0.113.7' }), { header: 'x-real-ip', hops: 1 }), '203.0.113.7');
  });
});

describe('settings', () => {
  test('defaults: no trusted proxy, one hop; per-address bounds', () => {
    const c = loadConfig({});
    assert.deepEqual(c.address, { proxy: { header: undefined, hops: 1 }, opsLimit: 300, opsWindowS: 10 });
    assert.equal(c.ws.maxSocketsPerAddress, 50);
  });

  test('values, and refusals', () => {
    const c = loadConfig({
      TRUSTED_PROXY_HEADER: 'X-Forwarded-For',
      TRUSTED_PROXY_HOPS: '2',
      ADDRESS_OPS_LIMIT: '7',
      ADDRESS_OPS_WINDOW_S: '3',
      WS_MAX_SOCKETS_PER_ADDRESS: '4',
    });
    assert.deepEqual(c.address, { proxy: { header: 'x-forwarded-for', hops: 2 }, opsLimit: 7, opsWindowS: 3 });
    assert.equal(c.ws.maxSocketsPerAddress, 4);
    assert.throws(() => loadConfig({ TRUSTED_PROXY_HOPS: '0' }), /TRUSTED_PROXY_HOPS/);
    assert.throws(() => loadConfig({ TRUSTED_PROXY_HEADER: 'x forwarded: for' }), /TRUSTED_PROXY_HEADER/);
    assert.throws(() => loadConfig({ ADDRESS_OPS_LIMIT: '0' }), /ADDRESS_OPS_LIMIT/);
  });
});
