// kubectl's -l text read into a LabelSelector and matched by the same code as manifests' selectors.
import { describe, expect, it } from 'vitest';
import { compileSelector, parseSelectorText } from '../../src/model/selectors.js';

const matches = (text: string, labels: Record<string, string>) => compileSelector(parseSelectorText(text))(labels);

describe('-l selector text', () => {
  it('reads =, ==, !=, in, notin, key and !key as kubectl does', () => {
    const web = { app: 'web', env: 'prod' };
    expect(matches('app=web', web)).toBe(true);
    expect(matches('app==web,env=prod', web)).toBe(true);
    expect(matches('app!=web', web)).toBe(false);
    expect(matches('tier!=db', web)).toBe(true); // absent key: != matches, as in kubectl
    expect(matches('env in (qa, prod)', web)).toBe(true);
    expect(matches('env notin (prod)', web)).toBe(false);
    expect(matches('app', web)).toBe(true);
    expect(matches('!canary', web)).toBe(true);
    expect(matches('!app', web)).toBe(false);
    expect(matches('', web)).toBe(true);
  });

  it.each(['app in (web', 'app=web,', 'app>1', 'a b=c', 'bad key!=x'])('refuses %j with a reason', (text) => {
    expect(() => parseSelectorText(text)).toThrow(/selector|requirement/);
  });

  it('refuses an invalid label value as the API server words it', () => {
    expect(() => parseSelectorText('app=-web-')).toThrow(/app/);
  });
});
