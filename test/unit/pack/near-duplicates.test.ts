import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprint, isNearDuplicate } from '../../../src/pack/near-duplicates.js';

describe('isNearDuplicate', () => {
  const original = [
    'def apply_discount(price_cents, percent):',
    '    if not 0 <= percent <= 100:',
    '        raise ValueError("percent must be between 0 and 100")',
    '    reduction = price_cents * percent // 100',
    '    return max(price_cents - reduction, 0)',
  ].join('\n');
  it('catches a copied-and-renamed function', () => {
    const renamed = original
      .replace(/apply_discount/g, 'legacy_discount')
      .replace(/price_cents/g, 'amount')
      .replace(/percent(?! must)/g, 'pct');
    assert.ok(isNearDuplicate(fingerprint(original), fingerprint(renamed)));
  });
  it('keeps small look-alikes and different logic apart', () => {
    assert.ok(
      !isNearDuplicate(
        fingerprint('def get_x(self):\n    return self.x'),
        fingerprint('def get_y(self):\n    return self.y'),
      ),
    );
    const different = original.replace(
      'reduction = price_cents * percent // 100',
      'reduction = lookup_table[percent] + rounding(price_cents, "up")',
    );
    assert.ok(
      !isNearDuplicate(
        fingerprint(original),
        fingerprint(`${different}\n    log("applied", reduction)\n    audit(reduction)`),
      ),
    );
  });
});
