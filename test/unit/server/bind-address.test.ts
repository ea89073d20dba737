import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bindsLoopback,
  checkBind,
  isLoopbackAddress,
  MIN_AUTH_TOKEN_LENGTH,
} from '../../../src/server/bind-address.js';

describe('loopback means an address that is loopback, resolved or literal', () => {
  it('literal addresses, as a table', () => {
    const rows: Array<[string, boolean]> = [
      ['127.0.0.1', true],
      ['127.8.9.10', true],
      ['::1', true],
      ['::ffff:127.0.0.1', true],
      ['0.0.0.0', false],
      ['::', false],
      ['10.0.0.1', false],
      ['128.0.0.1', false],
      ['127.evil.example', false],
      ['localhost', false], // a name, resolved by bindsLoopback
    ];
    for (const [address, loopback] of rows) assert.equal(isLoopbackAddress(address), loopback, address);
  });

  it('a name is resolved: localhost is loopback; a 127.-looking name that does not resolve is refused', async () => {
    assert.equal(await bindsLoopback('localhost'), true);
    await assert.rejects(bindsLoopback('127.0.0.1.codecontext-test.invalid'), /cannot resolve/);
  });

  it('a non-loopback bind needs a token of at least 32 characters', async () => {
    await assert.rejects(checkBind('0.0.0.0', undefined), /is not loopback: set authToken/);
    await assert.rejects(checkBind('0.0.0.0', 'x'), new RegExp(`at least ${MIN_AUTH_TOKEN_LENGTH} characters`));
    await checkBind('0.0.0.0', 'x'.repeat(MIN_AUTH_TOKEN_LENGTH));
    await checkBind('127.0.0.1', undefined);
  });
});
