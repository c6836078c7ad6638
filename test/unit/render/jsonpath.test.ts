// -o jsonpath templates as kubectl writes them; JSONPath itself is jsonpath-plus's, so these check the
// template around it: literal text, {"\n"}, {range}…{end}, several matches, absent fields, bad templates.
import { describe, expect, it } from 'vitest';
import { parseJsonPathOutput, renderJsonPath } from '../../../src/render/jsonpath.js';
import { UsageError } from '../../../src/errors.js';

const report = {
  user: { username: 'alice@contoso.example', groups: ['devs', 'system:authenticated'] },
  rules: [{ verbs: ['get', 'list'], resources: ['pods'] }, { verbs: ['create'], resources: ['pods/portforward'] }],
  allowed: false,
};
const render = (template: string, value: unknown = report) => renderJsonPath(parseJsonPathOutput(`jsonpath=${template}`), value);

describe('-o jsonpath', () => {
  it('fills {.a.b} holes in literal text as kubectl does', () => {
    expect(render('{.user.username}')).toBe('alice@contoso.example');
    expect(render('user={.user.username} allowed={.allowed}{"\\n"}')).toBe('user=alice@contoso.example allowed=false\n');
  });

  it('joins several matches with spaces and prints objects as JSON', () => {
    expect(render('{.user.groups[*]}')).toBe('devs system:authenticated');
    expect(render('{.rules[0]}')).toBe('{"verbs":["get","list"],"resources":["pods"]}');
  });

  it('loops with {range}…{end}, @ being the item, and filters', () => {
    expect(render('{range .rules[*]}{.resources[0]}: {.verbs[*]}{"\\n"}{end}')).toBe('pods: get list\npods/portforward: create\n');
    expect(render('{.rules[?(@.resources[0]=="pods/portforward")].verbs[0]}')).toBe('create');
  });

  it('prints nothing for an absent field', () => {
    expect(render('[{.user.uid}]')).toBe('[]');
  });

  it('shows control characters from the server as escapes', () => {
    expect(render('{.name}', { name: 'a\u001b[2Jb' })).toBe('a\\x1b[2Jb');
  });

  it.each([
    ['{.user.username', /unclosed \{/],
    ['{end}', /\{end\} without \{range\}/],
    ['{range .rules[*]}{.verbs}', /\{range\} without \{end\}/],
    ['{.rules[0}', /unbalanced \[ \]/],
    ['{user}', /neither a field path/],
    ['', /needs a template/],
  ])('refuses %j with a UsageError', (template, why) => {
    expect(() => parseJsonPathOutput(`jsonpath=${template}`)).toThrow(UsageError);
    expect(() => parseJsonPathOutput(`jsonpath=${template}`)).toThrow(why);
  });
});
