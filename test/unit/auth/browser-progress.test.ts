// The status line shown while waiting for the browser or the device code.
import { describe, expect, it } from 'vitest';
import { formatRemaining, startProgress } from '../../../src/auth/progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, write: (t: string) => writes.push(t), writes };
}
const HOUR = 3_600_000;

describe('status line', () => {
  it('is not drawn when stderr is not a terminal (kubectl run by a script, CI logs)', () => {
    const s = stream(false);
    const p = startProgress('Waiting…', Date.now() + HOUR, { stream: s, env: {}, intervalMs: HOUR });
    p.stop();
    expect(s.writes).toEqual([]);
  });

  it('on a terminal: spinner, label, minutes:seconds left and how to cancel; erased when done', () => {
    const s = stream(true);
    const p = startProgress('Waiting for you to sign in in the browser…', Date.now() + 5 * 60_000, { stream: s, env: { TERM: 'xterm' }, intervalMs: HOUR });
    p.stop();
    expect(s.writes[0]).toMatch(/^\r\x1b\[2K\x1b\[36m⠋\x1b\[39m Waiting for you to sign in in the browser… \x1b\[2m\((?:5:00|4:59) left; Ctrl-C to cancel\)\x1b\[22m$/);
    expect(s.writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('NO_COLOR: no colour, same text', () => {
    const s = stream(true);
    startProgress('Waiting…', Date.now() + 61_000, { stream: s, env: { NO_COLOR: '1', LANG: 'en_US.UTF-8' }, intervalMs: HOUR }).stop();
    expect(s.writes[0]).toMatch(/^\r\x1b\[2K⠋ Waiting… \(1:0[01] left; Ctrl-C to cancel\)$/);
  });

  it('a note goes above the line and the line comes back', () => {
    const s = stream(true);
    const p = startProgress('Waiting…', Date.now() + HOUR, { stream: s, env: { NO_COLOR: '1', LANG: 'C' }, intervalMs: HOUR });
    p.note('Could not open a browser.');
    p.stop();
    expect(s.writes[1]).toBe('\r\x1b[2KCould not open a browser.\n');
    expect(s.writes[2]).toMatch(/^\r\x1b\[2K[|/\\-] Waiting… /); // ASCII frames outside UTF-8 locales
  });

  it('formats the time left', () => {
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(-5)).toBe('0:00');
    expect(formatRemaining(59_001)).toBe('1:00');
    expect(formatRemaining(300_000)).toBe('5:00');
  });
});
