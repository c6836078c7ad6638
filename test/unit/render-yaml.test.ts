import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../src/render/yaml.js';

describe('-o yaml', () => {
  it('writes a shared object out in full each time, without anchors or aliases', () => {
    const egress = { allowed: false, policies: ['default/frontend-egress'] };
    const report = { egress, connections: [{ port: 8443, egress }] };
    const text = toYaml(report);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(parse(text)).toEqual(report);
  });
});
