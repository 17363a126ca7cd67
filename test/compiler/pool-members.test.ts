/** Pools built from capabilities: an embeddings model joins only a pool that asks for embeddings. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';

const REPO_CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../anyrouter.config.ts');

describe('pool members by capability', () => {
  it("the default config's pools (byok takes every model it does not exclude) hold no embeddings model", async () => {
    const result = await compile(REPO_CONFIG);
    const bundle = result.bundle!;
    const embeddings = new Set(Object.values(bundle.models).filter((m) => m.capabilities.includes('embeddings')).map((m) => m.id));
    expect(embeddings.size).toBeGreaterThan(2); // openai's two and gemini-embedding-001
    for (const pool of Object.values(bundle.pools)) {
      expect(pool.members.filter((id) => embeddings.has(id)), pool.id).toEqual([]);
    }
  });
});
