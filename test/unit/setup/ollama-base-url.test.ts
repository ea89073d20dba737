import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ollamaBaseUrl } from '../../../src/setup/init-project.js';

/** OLLAMA_HOST as Ollama itself reads it: a bare host, host:port or a URL; 0.0.0.0 (listen everywhere) is this host. */
describe('ollamaBaseUrl', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'http://127.0.0.1:11434'],
    ['', 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['0.0.0.0:9999', 'http://127.0.0.1:9999'],
    ['gpu-box', 'http://gpu-box:11434'],
    ['http://gpu-box:8000', 'http://gpu-box:8000'],
    ['https://ollama.example.com', 'https://ollama.example.com'],
    ['http://gpu-box:80', 'http://gpu-box'],
  ];
  for (const [value, expected] of cases)
    it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(ollamaBaseUrl({ OLLAMA_HOST: value }), expected));
});
