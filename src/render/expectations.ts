// Output of `test`: one line per expectation for people, JUnit XML for CI test reports, and JSON.
import { expectationText, type ExpectationResult } from '../netpol/expectations.js';
import { xmlEscape } from './audit.js';
import { paint, type Style } from './netpol-text.js';

const word = (allowed: boolean | undefined, cannotTell?: boolean) => (cannotTell ? 'cannot tell' : allowed === undefined ? 'no verdict' : allowed ? 'allowed' : 'denied');

export function expectationsSummary(results: ExpectationResult[]): string {
  const unknown = results.filter((r) => r.cannotTell).length;
  const failed = results.filter((r) => !r.passed).length - unknown;
  return `${results.length} expectation${results.length === 1 ? '' : 's'}: ${results.length - failed - unknown} passed, ${failed} failed${unknown ? `, ${unknown} cannot tell` : ''}`;
}

export function renderExpectationsTable(style: Style, results: ExpectationResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const status = r.passed ? paint(style, 'green', 'PASS') : r.cannotTell ? paint(style, 'yellow', 'CANNOT TELL') : paint(style, 'red', 'FAIL');
    const e = r.expectation;
    out.push(`${status}  ${expectationText(e)}: expected ${word(e.allowed)}, ${r.passed ? 'is' : 'found'} ${word(r.actual, r.cannotTell)}`);
    if (!r.passed) out.push(`      ${e.file} expect[${e.index}]: ${r.reason}`);
  }
  out.push('', expectationsSummary(results));
  return out.join('\n') + '\n';
}

export function expectationsJson(results: ExpectationResult[]) {
  return {
    passed: results.filter((r) => r.passed).length,
    failed: results.filter((r) => !r.passed).length,
    results: results.map((r) => ({
      file: r.expectation.file,
      index: r.expectation.index,
      ...(r.expectation.name ? { name: r.expectation.name } : {}),
      from: r.expectation.from,
      to: r.expectation.to,
      port: r.expectation.port ?? null,
      protocol: r.expectation.protocol ?? null,
      expected: r.expectation.allowed,
      actual: r.actual ?? null,
      passed: r.passed,
      reason: r.reason,
    })),
  };
}

/** One test suite per expectations file, one test case per expectation. */
export function renderExpectationsJunit(results: ExpectationResult[]): string {
  const files = [...new Set(results.map((r) => r.expectation.file))];
  const failures = results.filter((r) => !r.passed).length;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="kubectl np test" tests="${results.length}" failures="${failures}">`];
  for (const file of files) {
    const mine = results.filter((r) => r.expectation.file === file);
    lines.push(`  <testsuite name="${xmlEscape(file)}" tests="${mine.length}" failures="${mine.filter((r) => !r.passed).length}" errors="0" skipped="0">`);
    for (const r of mine) {
      const e = r.expectation;
      const name = xmlEscape(`${expectationText(e)} is ${word(e.allowed)}`);
      if (r.passed) lines.push(`    <testcase classname="${xmlEscape(file)}" name="${name}"/>`);
      else {
        lines.push(`    <testcase classname="${xmlEscape(file)}" name="${name}">`);
        lines.push(`      <failure message="${xmlEscape(`expected ${word(e.allowed)}, found ${word(r.actual)}`)}">${xmlEscape(`expect[${e.index}]: ${r.reason}`)}</failure>`);
        lines.push('    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
