// Every --help example runs as written: the kubectl-np part of each one (the pipeline segment that
// starts with the binary) is run; none may fail on its flags or arguments. Examples that read the shop
// manifests run for real and must give a verdict (not exit 2); the others lack a cluster or files here,
// so only their parsing is judged.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireFreshBuild, repoRoot } from './auth/dist.js';
import { isolatedEnv, runCli } from './auth/cli.js';

const BIN = '<%= config.bin %>';

/** The words of the kubectl-np command in a shell line, up to the first unquoted |, >, < or ). */
export function commandWords(line: string): string[] {
  const at = line.indexOf(BIN);
  const words: string[] = [];
  let word: string | undefined;
  let quote = '';
  for (let i = at + BIN.length; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if ('|><)'.includes(c)) break;
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

// what oclif and our flag parsers say when a command line itself is wrong
const PARSE_ERROR = /Nonexistent flag|command \S+ not found|Unexpected argument|Missing \d+ required arg|Expected --|expects one of|is not an output format|Parsing --|--output: |-l: |flag .* (needs|requires)/i;

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { examples?: (string | { command: string })[] }> };
const examples = Object.entries(manifest.commands).flatMap(([id, c]) =>
  (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command)).filter((e) => e.includes(BIN)).map((e) => ({ id, example: e, words: commandWords(e) })),
);

describe('help examples', () => {
  it('the manifest has examples, their words are read as a shell would, and a wrong line is caught', async () => {
    requireFreshBuild();
    for (const wrong of [['matrix', '--bogus'], ['who-can', 'get'], ['matrix', '-o', 'xml'], ['whoami', 'extra'], ['whoami', '-o', 'jsonpath={.a']]) {
      expect((await runCli(wrong, { env: { ...isolatedEnv(), NO_COLOR: '1' } })).stderr).toMatch(PARSE_ERROR);
    }
    expect(examples.length).toBeGreaterThan(40);
    expect(commandWords(`${BIN} whoami -o jsonpath='{.a}{"\\n"}' | jq`)).toEqual(['whoami', '-o', 'jsonpath={.a}{"\\n"}']);
  });

  it.each(examples.map((e) => [`${e.id}: ${e.example}`, e] as const))('%s', async (_name, { words }) => {
    // no cluster, no sign-in: a live example ends at its kubeconfig; one that would sign in is cut off
    const r = await runCli(words, { env: { ...isolatedEnv(), NO_COLOR: '1', AZURE_AUTHORITY_HOST: 'http://127.0.0.1:9' }, timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(PARSE_ERROR);
    if (words.includes('examples/shop') && !words.includes('--with')) expect(r.code, r.stderr).not.toBe(2);
  });
});
