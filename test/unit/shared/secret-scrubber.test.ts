import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { forgetSecrets, registerSecret, scrubbingStream, scrubSecrets } from '../../../src/shared/secret-scrubber.js';

describe('one scrubber for every text that leaves the process', () => {
  after(forgetSecrets);

  it('replaces every registered secret, in any text, and leaves short values alone', () => {
    registerSecret('sk-live-0123456789abcdef');
    registerSecret('tok"with\\quote-0123'); // and its JSON-escaped form, as a serialized body carries it
    registerSecret('short');
    assert.equal(scrubSecrets('key sk-live-0123456789abcdef twice sk-live-0123456789abcdef'), 'key [key] twice [key]');
    assert.equal(scrubSecrets(JSON.stringify({ echoed: 'tok"with\\quote-0123' })), '{"echoed":"[key]"}');
    assert.equal(scrubSecrets('a short word'), 'a short word');
  });

  it('a scrubbing stream scrubs every write and keeps the stream otherwise as it is', () => {
    const written: string[] = [];
    const target = { isTTY: false, write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
    const stream = scrubbingStream(target);
    stream.write('error: sk-live-0123456789abcdef rejected\n');
    assert.deepEqual(written, ['error: [key] rejected\n']);
    assert.equal(stream.isTTY, false);
  });
});
