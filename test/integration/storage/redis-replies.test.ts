import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisReplies } from '../../../src/pipeline/redis-replies.js';
import type { CachedReply, ReplyEntries } from '../../../src/pipeline/reply-cache.js';
import { RedisLink } from '../../../src/storage/redis-link.js';
import { startRedis, type RedisServer } from '../../helpers/redis-server.js';

/**
 * The lease behind coalescing across replicas, on a real Redis with a short lease (300 ms instead of 10 s): a leader
 * slower than its lease keeps it by renewing, a leader that died (a lease nobody renews) holds others up only until
 * it expires, and a stopped Redis makes a waiter call for itself at once.
 */
const LEASE = 300;
const entry: CachedReply = {
  reply: { text: 'the answer', finishReason: 'stop', usage: null },
  provider: 'openai',
  model: 'gpt-4o-mini',
  route: 'external',
  costUsd: 0.001,
  changes: [],
};
const unused = {} as ReplyEntries;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Redis lease of coalesced requests', () => {
  let redis: RedisServer;
  let link: RedisLink;
  let replies: RedisReplies;
  let raw: Redis;

  before(async () => {
    redis = await startRedis();
    link = new RedisLink(redis.url);
    await link.whenReady(5000);
    replies = new RedisReplies(link, LEASE);
    raw = new Redis(redis.url);
  });
  after(async () => {
    raw?.disconnect();
    await link?.close();
    await redis?.stop();
  });

  it('a leader slower than its lease keeps it; the waiter gets its answer, not a lease of its own', async () => {
    const leader = await replies.lead('slow', unused, Date.now);
    assert.ok('lease' in leader, 'the first request leads');
    const waiting = replies.lead('slow', unused, Date.now);
    // Four lease lifetimes: without renewal the waiter would have taken the lease three times over.
    await sleep(4 * LEASE);
    assert.ok((await raw.pttl('codecontext:lead:slow')) > 0, 'the lease is still held');
    await replies.put('slow', entry, Date.now(), 60_000);
    await leader.lease.release();
    const found = await waiting;
    assert.ok('answer' in found, 'the waiter got the answer');
    assert.deepEqual([found.answer.reply.text, found.waited], ['the answer', true]);
    assert.equal(await raw.exists('codecontext:lead:slow'), 0, 'released');
  });

  it('a stored answer is found at once (an exact hit), with no lease taken', async () => {
    const found = await replies.lead('slow', unused, Date.now);
    assert.ok('answer' in found);
    assert.equal(found.waited, false);
    assert.equal(await raw.exists('codecontext:lead:slow'), 0);
  });

  it('a leader that died (its lease not renewed) holds a waiter up until the lease expires, then the waiter leads', async () => {
    await raw.set('codecontext:lead:orphan', 'a-dead-replica', 'PX', LEASE);
    const started = Date.now();
    const found = await replies.lead('orphan', unused, Date.now);
    const waited = Date.now() - started;
    assert.ok('lease' in found, 'the waiter leads once the dead lease is gone');
    assert.ok(waited >= LEASE - 50 && waited < LEASE + 1000, `waited ${waited} ms for a ${LEASE} ms lease`);
    await found.lease.release();
  });

  it('a waiter stops when the gateway shuts down: no lease of its own, so it calls nothing', async () => {
    await raw.set('codecontext:lead:shutdown', 'another-replica', 'PX', 60_000);
    const shutdown = new AbortController();
    const started = Date.now();
    const waiting = replies.lead('shutdown', unused, Date.now, shutdown.signal);
    await sleep(100);
    shutdown.abort();
    const found = await waiting;
    assert.deepEqual(found, { stopped: true });
    assert.ok(Date.now() - started < 1000, 'stopped at the abort, not at the lease or the wait limit');
    assert.equal(
      await raw.get('codecontext:lead:shutdown'),
      'another-replica',
      "the other replica's lease is untouched",
    );
  });

  it('Redis stopped while a request waits: it calls for itself at once', async () => {
    await raw.set('codecontext:lead:outage', 'another-replica', 'PX', 60_000);
    const waiting = replies.lead('outage', unused, Date.now);
    await sleep(100);
    await redis.stop();
    const started = Date.now();
    const found = await waiting;
    assert.ok('lease' in found, 'no answer to wait for: it leads');
    assert.ok(Date.now() - started < 2000, 'without waiting out the other lease');
    await found.lease.release();
  });
});
