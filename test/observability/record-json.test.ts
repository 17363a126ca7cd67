import { describe, expect, it } from 'vitest';
import { parseRecordJson, recordJson } from '../../src/runtime/observability/record-json.js';
import { record } from './fixtures.js';

describe('recordJson', () => {
  it('leaves the bodies out, and the record parses back whole', () => {
    const withBodies = record({ bodies: { request: '{"note":"hush-hush"}', response: 'the-answer' } });
    const json = recordJson(withBodies);
    expect(json).not.toContain('hush-hush');
    expect(json).not.toContain('the-answer');
    expect(withBodies.bodies).toBeDefined(); // the record itself is left as it was
    const { bodies: _bodies, ...rest } = withBodies;
    expect(parseRecordJson(json)).toEqual(rest);
  });
});
