import { describe, expect, it } from 'vitest';
import { describeChain, oneLine } from '../../src/cli/base.js';

describe('errors are one line', () => {
  it('keeps the argument oclif names on the line after "Missing 1 required arg:"', () => {
    const oclif = 'Missing 1 required arg:\ndestination  where it goes (a Service is judged at its backend pods)\nSee more help with --help';
    expect(oneLine(oclif)).toBe('Missing 1 required arg: destination  where it goes (a Service is judged at its backend pods)');
  });

  it('keeps the reason oclif puts under "Parsing --flag"', () => {
    const oclif = 'Parsing --output \n\tbad -o jsonpath template "{.a": unclosed { at position 1\nSee more help with --help';
    expect(oneLine(oclif)).toBe('--output: bad -o jsonpath template "{.a": unclosed { at position 1');
  });

  it('keeps only the first line of other messages (stack-like detail stays for --debug)', () => {
    expect(oneLine('cannot reach https://10.0.0.1:6443\n    at TLSSocket.onConnect')).toBe('cannot reach https://10.0.0.1:6443');
    expect(oneLine('')).toBe('');
  });
});

describe('--debug detail', () => {
  it('follows the cause chain down to the socket or TLS error, with its code', () => {
    const tls = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const fetchFailed = new TypeError('fetch failed', { cause: tls });
    const ours = new Error('cannot reach https://login.example', { cause: fetchFailed });
    const text = describeChain(ours);
    expect(text).toMatch(/^Error: cannot reach https:\/\/login\.example/);
    expect(text).toContain('caused by: TypeError: fetch failed');
    expect(text).toContain('caused by: Error: unable to verify the first certificate');
    expect(text).toContain('[UNABLE_TO_VERIFY_LEAF_SIGNATURE]');
  });

  it('stops on a cause that points back at itself', () => {
    const loop: Error & { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(describeChain(loop).split('caused by').length).toBe(1);
  });
});
