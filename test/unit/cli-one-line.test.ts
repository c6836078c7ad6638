import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/cli/base.js';

describe('errors are one line', () => {
  it('keeps the argument oclif names on the line after "Missing 1 required arg:"', () => {
    const oclif = 'Missing 1 required arg:\ndestination  where it goes (a Service is judged at its backend pods)\nSee more help with --help';
    expect(oneLine(oclif)).toBe('Missing 1 required arg: destination  where it goes (a Service is judged at its backend pods)');
  });

  it('keeps only the first line of other messages (stack-like detail stays for --debug)', () => {
    expect(oneLine('cannot reach https://10.0.0.1:6443\n    at TLSSocket.onConnect')).toBe('cannot reach https://10.0.0.1:6443');
    expect(oneLine('')).toBe('');
  });
});
