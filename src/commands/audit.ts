import { Flags } from '@oclif/core';
import { BaseCommand, outputFlagWithJsonPath, snapshotFlags, snapshotSourceOf } from '../cli/base.js';
import { loadSnapshot } from '../cluster/index.js';
import { engineChoiceOf, engineFlag } from '../cli/engine-flag.js';
import { ExitCode, UsageError } from '../errors.js';
import { AUDIT_RULES, SKIP_ANNOTATION, auditSnapshot, failingFindings, isAuditRuleId, type Severity } from '../netpol/audit.js';
import { auditSarif, renderAuditJunit, renderAuditTable } from '../render/audit.js';
import { colourFor } from '../render/netpol-text.js';
import { renderDocument } from '../render/document.js';
import { writeSnapshotWarnings } from '../cli/warnings.js';
import { coveredNamespaces } from '../netpol/inputs.js';

export default class Audit extends BaseCommand {
  static override summary = 'Posture findings of the network policies: missing default-deny, DNS blocked, metadata service open, selector typos';
  static override description = `Each finding has a stable rule ID, a severity (info, warning, error), a namespace, an object (networkpolicy/NAME, adminnetworkpolicy/NAME, ciliumnetworkpolicy/NAME, globalnetworkpolicy/NAME…, networkpolicy.projectcalico.org/NAME for a Calico NetworkPolicy, pod/NAME, deployment/NAME, namespace/NAME, cluster) and a one-line message with the fix.
Every policy kind the engine enforces is judged (NetworkPolicy; AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy; Cilium; Calico): isolation, DNS, the metadata service, selectors and named ports.
Rules (every one documented with an example and the fix in docs/audit-rules.md):
${AUDIT_RULES.map((r) => `  ${r.id.padEnd(27)} ${r.severity.padEnd(8)} ${r.summary}${r.liveOnly ? ' (live only)' : ''}`).join('\n')}
Silence a rule with --skip RULE, or on an object (policy, pod, workload or namespace) with the annotation ${SKIP_ANNOTATION}: "RULE,RULE" (or "*").
Engine: live, the engine detected from what runs (DaemonSets such as azure-npm, calico-node, cilium, antrea-agent) decides which policy kinds count (policy-kind-not-enforced, no-enforcing-engine); --engine NAME names it (with -f, the only way to check policy-kind-not-enforced).
Namespaces: -n (repeatable), -A, or by default the context namespace (with -f: every namespace in the manifests). kube-system, kube-public and kube-node-lease are not expected to default-deny.
Exit 0 when no finding reaches --fail-on (default warning), 1 otherwise; bad input 2, an unreachable cluster 3.
-o json: {"findings":[{"rule","severity","namespace","object","message"}]}. -o sarif is SARIF 2.1.0 (code scanning); -o junit is JUnit XML (CI test reports). Pipelines (GitHub Actions, Azure Pipelines): docs/ci.md.`;

  static override examples = [
    '<%= config.bin %> audit -f examples/audit',
    '<%= config.bin %> audit -A --fail-on error',
    '<%= config.bin %> audit -f k8s/ --engine cilium',
    '<%= config.bin %> audit -f k8s/ -o sarif > audit.sarif',
    '<%= config.bin %> audit -f k8s/ -o junit --skip no-default-deny-egress > audit-junit.xml',
    '<%= config.bin %> audit -n payments -o json | jq \'.findings[] | select(.severity == "error")\'',
    '<%= config.bin %> audit -f examples/audit -o jsonpath=\'{range .findings[*]}{.rule} {.namespace}/{.object}{"\\n"}{end}\'',
  ];

  static override flags = {
    ...snapshotFlags,
    output: outputFlagWithJsonPath(['table', 'json', 'yaml', 'sarif', 'junit'], 'table'),
    'fail-on': Flags.string({ description: 'lowest severity that makes the exit code 1', options: ['info', 'warning', 'error'], default: 'warning' }),
    skip: Flags.string({ description: 'a rule ID not to check; repeatable', multiple: true, multipleNonGreedy: true }),
    ...engineFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Audit);
    const skip = flags.skip ?? [];
    for (const id of skip) {
      if (!isAuditRuleId(id)) throw new UsageError(`--skip ${id}: no such rule (rules: ${AUDIT_RULES.map((r) => r.id).join(', ')})`);
    }
    const snapshot = await loadSnapshot(snapshotSourceOf(flags));
    // the no-enforcing-engine finding says it better than the generic warning
    writeSnapshotWarnings(snapshot, { enforcement: false });
    const namespaces = coveredNamespaces(snapshot, flags);
    const report = auditSnapshot(snapshot, { namespaces, skip, engine: engineChoiceOf(snapshot, flags) });
    const failOn = flags['fail-on'] as Severity;
    const document = renderDocument(flags.output, { findings: report.findings });
    if (document !== undefined) process.stdout.write(document);
    else if (flags.output === 'sarif') process.stdout.write(JSON.stringify(auditSarif(report, this.config.version), null, 2) + '\n');
    else if (flags.output === 'junit') process.stdout.write(renderAuditJunit(report, failOn));
    else process.stdout.write(renderAuditTable({ colour: colourFor(process.stdout) }, report, failOn));
    if (flags.output !== 'table') {
      if (report.engine) process.stderr.write(`engine: ${report.engine.text}\n`);
      for (const n of report.notes) process.stderr.write(`note: ${n}\n`);
    }
    if (failingFindings(report, failOn).length > 0) this.exit(ExitCode.No);
  }
}
