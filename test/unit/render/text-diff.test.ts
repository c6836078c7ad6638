// The unified diff setup --dry-run prints: the format diff -u and patch read.
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/render/text-diff.js';

const labels = { from: 'a', to: 'b' };
const text = (n: number, edit: (lines: string[]) => void = () => {}) => {
  const lines = Array.from({ length: n }, (_, i) => `line ${i + 1}`);
  edit(lines);
  return lines.join('\n') + '\n';
};

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff(text(5), text(5), labels)).toBe('');
  });

  it('one replaced line with three lines of context, numbered as diff -u numbers them', () => {
    expect(unifiedDiff(text(10), text(10, (l) => (l[4] = 'five')), labels)).toBe(
      ['--- a', '+++ b', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+five', ' line 6', ' line 7', ' line 8', ''].join('\n'),
    );
  });

  it('changes far apart are separate hunks; close ones share one', () => {
    const far = unifiedDiff(text(30), text(30, (l) => ((l[1] = 'two'), (l[25] = 'twenty-six'))), labels);
    expect(far.match(/^@@.*@@$/gm)).toEqual(['@@ -1,5 +1,5 @@', '@@ -23,7 +23,7 @@']);
    const near = unifiedDiff(text(30), text(30, (l) => ((l[9] = 'ten'), (l[14] = 'fifteen'))), labels);
    expect(near.match(/^@@.*@@$/gm)).toEqual(['@@ -7,12 +7,12 @@']);
  });

  it('insertions and deletions shift the new side; a one-line side has no length and an empty one is numbered by the line before', () => {
    const inserted = unifiedDiff(text(6), text(6, (l) => l.splice(3, 0, 'new a', 'new b')), labels);
    expect(inserted).toContain('@@ -1,6 +1,8 @@\n line 1\n line 2\n line 3\n+new a\n+new b\n line 4\n');
    expect(unifiedDiff('', 'x\n', labels)).toBe('--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n');
    expect(unifiedDiff('x\ny\n', 'y\n', labels)).toBe('--- a\n+++ b\n@@ -1,2 +1 @@\n-x\n y\n');
  });
});
