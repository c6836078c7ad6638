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

describe('-o yaml with names from a hostile cluster', () => {
  const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
  const hostile = {
    'key\u202eyek': 'value',
    title: '\u001b]0;pwned\u0007',
    rlo: `mallory\u202emoc.elpmaxe@`,
    c1: '\u009b31mred \u0085 next',
    isolates: ['\u2066a\u2069', '\u200f', '\u061c'],
    multiline: 'first line\nsecond \u202e line, long enough that the yaml library folds it across output lines when it writes it',
    crlf: 'a\r\nb',
    plain: 'frontend',
  };

  it('writes no control or bidi character, and reads back as the exact value', () => {
    const text = toYaml(hostile);
    expect(text).not.toMatch(UNSAFE);
    expect(parse(text)).toEqual(hostile);
    expect(text).toContain('rlo: "mallory\\u202emoc.elpmaxe@"');
    expect(text).toContain('plain: frontend');
  });
});
