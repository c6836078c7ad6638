// ConnectivityExpectations: the parser accepts exactly what the JSON Schema in docs/ describes, and
// checking the shop example's expectations passes.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { UsageError } from '../../../src/errors.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { checkExpectations, parseExpectations } from '../../../src/netpol/expectations.js';

const schema = JSON.parse(readFileSync('docs/connectivity-expectations.schema.json', 'utf8'));
const doc = (expect: unknown[]) => ({ apiVersion: 'kubectl-np/v1', kind: 'ConnectivityExpectations', expect });

function refused(value: unknown): string {
  try {
    parseExpectations(value, 'f.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('ConnectivityExpectations', () => {
  it('the parser and the JSON Schema agree on the fields and which are required', () => {
    const item = schema.properties.expect.items;
    const all = { name: 'n', from: 'a/pod/x', to: 'ip:10.0.0.1', port: 'http', protocol: 'udp', allowed: true };
    expect(parseExpectations(doc([all]), 'f.yaml')[0]).toMatchObject({ ...all, protocol: 'UDP' });
    expect(Object.keys(item.properties).sort()).toEqual(Object.keys(all).sort());
    for (const key of Object.keys(all)) {
      const without = Object.fromEntries(Object.entries(all).filter(([k]) => k !== key));
      const required = item.required.includes(key);
      if (required) expect(refused(doc([without])), key).toMatch(new RegExp(`"${key}"`));
      else expect(parseExpectations(doc([without]), 'f.yaml')).toHaveLength(1);
    }
    expect(schema.properties.apiVersion.const).toBe('kubectl-np/v1');
    expect(schema.properties.kind.const).toBe('ConnectivityExpectations');
  });

  it('refuses what the schema refuses, one line each', () => {
    expect(refused(doc([]))).toMatch(/"expect" must be a non-empty list/);
    expect(refused({ ...doc([{ from: 'a', to: 'b', allowed: true }]), kind: 'Expectations' })).toMatch(/expected apiVersion kubectl-np\/v1 and kind ConnectivityExpectations/);
    expect(refused(doc([{ from: 'a', to: 'b', allowed: true, port: 70000 }]))).toMatch(/expect\[0\]: "port" must be a number 1-65535 or a port name/);
    expect(refused(doc([{ from: 'a', to: 'ns//b', allowed: true }]))).toMatch(/expect\[0\]: cannot read endpoint "ns\/\/b"/);
    expect(refused(doc([{ from: 'a', to: 'b', allowed: 'yes' }]))).toMatch(/"allowed" must be true or false/);
  });

  it('the shop example expectations all hold', async () => {
    const snapshot = await readManifestSnapshot(['examples/shop']);
    const list = parseExpectations(parse(readFileSync('examples/shop/expectations.yaml', 'utf8')), 'expectations.yaml');
    const results = checkExpectations(snapshot, new PolicyEngine(snapshot), list, 'default');
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(9);
  });
});
