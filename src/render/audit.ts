// Output of `audit`: a table for people, SARIF for code-scanning tools, JUnit XML for CI test reports.
import { AUDIT_RULES, severityRank, type AuditReport, type Finding, type Severity } from '../netpol/audit.js';
import { paint, type Style } from './netpol-text.js';

export const AUDIT_RULES_DOC = 'https://github.com/kubectl-np/kubectl-np/blob/main/docs/audit-rules.md';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

function severityWord(style: Style, s: Severity): string {
  return s === 'error' ? paint(style, 'red', s) : s === 'warning' ? paint(style, 'yellow', s) : paint(style, 'dim', s);
}

export function auditCounts(findings: Finding[]): string {
  const by = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const parts = (['error', 'warning', 'info'] as const).filter((s) => by(s) > 0).map((s) => `${by(s)} ${s}${by(s) === 1 ? '' : 's'}`);
  return `${findings.length} finding${findings.length === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export function renderAuditTable(style: Style, report: AuditReport, failOn: Severity): string {
  const out: string[] = [];
  if (report.findings.length > 0) {
    const rows = report.findings.map((f) => [f.severity, f.rule, f.namespace || '-', f.object, f.message]);
    const head = ['SEVERITY', 'RULE', 'NAMESPACE', 'OBJECT', 'MESSAGE'];
    const widths = head.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    out.push(paint(style, 'bold', head.map((h, i) => (i < 4 ? pad(h, widths[i]) : h)).join('  ')));
    for (const r of rows) {
      out.push([severityWord(style, r[0] as Severity) + ' '.repeat(widths[0] - r[0].length), ...r.slice(1, 4).map((c, i) => pad(c, widths[i + 1])), r[4]].join('  '));
    }
    out.push('');
  }
  const failing = report.findings.filter((f) => severityRank(f.severity) >= severityRank(failOn)).length;
  out.push(
    `${auditCounts(report.findings)}; ${report.checked.length} rules checked${report.silenced ? `, ${report.silenced} finding${report.silenced === 1 ? '' : 's'} silenced by annotation` : ''}; ${failing} at or above --fail-on ${failOn}`,
  );
  if (report.engine) out.push(`engine: ${report.engine.text}`);
  for (const n of report.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

/** SARIF 2.1.0: one run, every rule described (so viewers can show the doc link), one result per finding. */
export function auditSarif(report: AuditReport, version: string): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubectl-np audit',
            version,
            informationUri: AUDIT_RULES_DOC,
            rules: AUDIT_RULES.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              helpUri: `${AUDIT_RULES_DOC}#${r.id}`,
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: AUDIT_RULES.findIndex((r) => r.id === f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [{ logicalLocations: [{ fullyQualifiedName: f.namespace ? `${f.namespace}/${f.object}` : f.object, kind: f.object.split('/')[0] }] }],
        })),
      },
    ],
  };
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** JUnit XML: a passing test case per rule with no findings, one per finding (a failure at or above --fail-on). */
export function renderAuditJunit(report: AuditReport, failOn: Severity): string {
  const cases: string[] = [];
  let failures = 0;
  for (const id of report.checked) {
    const found = report.findings.filter((f) => f.rule === id);
    if (found.length === 0) {
      cases.push(`    <testcase classname="audit.${id}" name="${id}"/>`);
      continue;
    }
    for (const f of found) {
      const name = xmlEscape(`${id} ${f.namespace ? `${f.namespace}/` : ''}${f.object}`);
      if (severityRank(f.severity) >= severityRank(failOn)) {
        failures++;
        cases.push(`    <testcase classname="audit.${id}" name="${name}">\n      <failure type="${f.severity}" message="${xmlEscape(f.message)}">${xmlEscape(`${AUDIT_RULES_DOC}#${id}`)}</failure>\n    </testcase>`);
      } else {
        cases.push(`    <testcase classname="audit.${id}" name="${name}">\n      <system-out>${xmlEscape(`${f.severity}: ${f.message}`)}</system-out>\n    </testcase>`);
      }
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubectl np audit" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="kubectl np audit" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
