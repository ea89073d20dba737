import type { IncomingMessage } from 'node:http';
import { ApiKeys, looksLikeKey, type AdmittedKey } from '../ledger/api-keys.js';
import type { RedisLink } from '../storage/redis-link.js';
import type { Store } from '../storage/store.js';
import { KeyRates, type RateRefusal } from './key-rates.js';

/** How long a replica trusts what it read about a key: a revoked or rotated key stops working within this. */
export const KEY_CACHE_MS = 1000;
const MAX_CACHED = 10_000;

/** Who a request is: the admin (the gateway's token), a key holder, or — with no keys and no token — anyone. */
export type Caller = { kind: 'admin' } | { kind: 'key'; key: AdmittedKey } | { kind: 'open' };

const callers = new WeakMap<IncomingMessage, AdmittedKey>();

/** The key a request was admitted with (set by the gateway before any handler runs); undefined: none. */
export function keyOf(request: IncomingMessage): AdmittedKey | undefined {
  return callers.get(request);
}

/**
 * The gateway's key check, per replica: a key's row (and whether any key exists at all) is read from the store at
 * most once a second per key, so the store sees one read per key per second however busy the replica is, and a
 * revocation made on any replica or by `keys revoke` is honoured everywhere within KEY_CACHE_MS.
 */
export class KeyGate {
  private readonly keys: ApiKeys;
  private readonly admitted = new Map<string, { at: number; key: Promise<AdmittedKey | null> }>();
  private live: { at: number; any: Promise<boolean> } | undefined;

  private readonly rates: KeyRates;

  constructor(
    store: Store,
    redis: RedisLink | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new ApiKeys(store, now);
    this.rates = new KeyRates(store, redis, now);
  }

  /** The key a token is, or null (unknown, wrong secret, revoked). */
  admit(token: string): Promise<AdmittedKey | null> {
    if (!looksLikeKey(token)) return Promise.resolve(null);
    const now = this.now();
    const cached = this.admitted.get(token);
    if (cached && now - cached.at < KEY_CACHE_MS) return cached.key;
    if (this.admitted.size >= MAX_CACHED) this.admitted.clear();
    const key = this.keys.admit(token);
    this.admitted.set(token, { at: now, key });
    // A failed read is not remembered: the next request reads again.
    key.catch(() => this.admitted.delete(token));
    return key;
  }

  /** Whether this gateway serves key holders only: true once any live key exists. */
  keysRequired(): Promise<boolean> {
    const now = this.now();
    if (this.live && now - this.live.at < KEY_CACHE_MS) return this.live.any;
    const any = this.keys.anyLive();
    this.live = { at: now, any };
    any.catch(() => (this.live = undefined));
    return any;
  }

  /** Why the key must wait (its requests or tokens of the last minute), or null; a request it lets go is counted. */
  rateLimited(key: AdmittedKey): Promise<RateRefusal | null> {
    return key.rpm === null && key.tpm === null ? Promise.resolve(null) : this.rates.refusal(key);
  }

  /** A key's request has ended: its tokens count against its tpm. */
  spent(key: AdmittedKey, tokens: number): Promise<void> {
    return this.rates.spent(key, tokens);
  }

  remember(request: IncomingMessage, key: AdmittedKey): void {
    callers.set(request, key);
  }
}
