import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { complete, formatCompletion, type ManifestCommand } from '../../../src/cli/completion.js';

const manifest = JSON.parse(readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8')) as { commands: Record<string, ManifestCommand> };
const values = (words: string[]) => complete(manifest.commands, words).candidates.map((c) => c.split('\t')[0]);

describe('shell completion from the command manifest', () => {
  it('offers the commands for an empty line, and the ones a prefix names', () => {
    expect(values([''])).toEqual(expect.arrayContaining(['can-reach', 'explain', 'get-token', 'matrix', 'version', 'completion']));
    expect(values(['ca'])).toEqual(['can-reach']);
  });

  it('offers the subcommands of a topic that is also a command', () => {
    expect(values(['explain', ''])).toContain('can-i');
  });

  it("offers a command's flags, long and short, with their descriptions", () => {
    const result = complete(manifest.commands, ['can-reach', '--p']);
    expect(result.candidates).toEqual(expect.arrayContaining([expect.stringMatching(/^--port\tdestination port/), expect.stringMatching(/^--protocol\t/)]));
    expect(values(['matrix', '-'])).toEqual(expect.arrayContaining(['-n', '-A', '-f', '-o', '--namespace']));
  });

  it("offers a flag's allowed values, and leaves paths to the shell", () => {
    expect(values(['can-reach', '-o', ''])).toEqual(['text', 'json', 'yaml', 'jsonpath=']);
    expect(values(['matrix', '-o', ''])).toEqual(['table', 'json', 'yaml', 'dot', 'mermaid', 'csv', 'md']);
    expect(complete(manifest.commands, ['can-reach', '-f', '']).directive & 4).toBe(0);
    expect(complete(manifest.commands, ['can-reach', '--port', '']).directive & 4).toBe(4);
  });

  it("ends with Cobra's directive line", () => {
    expect(formatCompletion({ candidates: ['a', 'b'], directive: 4 })).toBe('a\nb\n:4\n');
  });
});
