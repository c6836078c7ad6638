import { readFile } from 'node:fs/promises';
import { Args } from '@oclif/core';
import { parseAllDocuments } from 'yaml';
import { BaseCommand, outputFlagWithJsonPath, snapshotFlags, snapshotSourceOf } from '../cli/base.js';
import { engineChoiceOf, engineFlag } from '../cli/engine-flag.js';
import { loadSnapshot } from '../cluster/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { parseEndpoint } from '../netpol/endpoints.js';
import { PolicyEngine } from '../netpol/engine.js';
import { EXPECTATIONS_KIND, checkExpectations, parseExpectations, type Expectation } from '../netpol/expectations.js';
import { defaultNamespace, namespacesFor } from '../netpol/inputs.js';
import { expectationsJson, renderExpectationsJunit, renderExpectationsTable } from '../render/expectations.js';
import { colourFor, engineLines, notEvaluatedLines } from '../render/netpol-text.js';
import { renderDocument } from '../render/document.js';
import { writeSnapshotWarnings } from '../cli/warnings.js';

export default class Test extends BaseCommand {
  static override summary = 'Assert declared connectivity expectations (ConnectivityExpectations YAML) against the cluster or manifests';
  static override description = `Each FILE is YAML (documented with a JSON Schema in docs/connectivity-expectations.md):
  apiVersion: kubectl-np/v1
  kind: ConnectivityExpectations
  expect:
  - {from: default/deploy/frontend, to: payments/svc/payments, port: 443, allowed: false}
  - {from: default/deploy/frontend, to: kube-system/svc/kube-dns, port: 53, protocol: UDP, allowed: true}
Endpoints use the can-reach grammar; port (number or name) and protocol are optional, name labels an expectation.
Policy kinds count as for can-reach (AdminNetworkPolicy, ClusterNetworkPolicy, Cilium, Calico), judged as can-reach judges them: live, only the kinds of the engine detected from what runs (--engine names it; with -f every kind given); the others are named under "not evaluated" and decide nothing.
Exit 0 when every expectation holds, 1 when one does not, each failure naming the expectation and the deciding policy (of whatever kind); 3 when none fails but some cannot be told (a policy that may decide it was not evaluated, namespace labels you may not read); a malformed file exits 2.
-o junit writes JUnit XML for CI test reports (one suite per file); -o json: {"passed","failed","results":[{"file","index","from","to","port","protocol","expected","actual","passed","reason"}],"notEvaluated"?,"engine"?}; with -o junit these go to stderr.`;

  static override examples = [
    '<%= config.bin %> test -f examples/shop examples/shop/expectations.yaml',
    '<%= config.bin %> test -f examples/shop examples/shop/expectations.yaml -o jsonpath=\'{.passed}/{.failed}{"\\n"}\'',
    '<%= config.bin %> test -f k8s/ connectivity/*.yaml -o junit > np-junit.xml',
    '<%= config.bin %> test --context prod connectivity.yaml',
    '<%= config.bin %> test --context prod --engine azure-npm connectivity.yaml',
  ];

  static override strict = false;

  static override args = {
    file: Args.string({ required: true, ignoreStdin: true, description: 'expectations file(s) (ConnectivityExpectations YAML); - reads stdin' }),
  };

  static override flags = {
    ...snapshotFlags,
    output: outputFlagWithJsonPath(['table', 'json', 'yaml', 'junit'], 'table'),
    ...engineFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Test);
    const files = argv as string[];
    if (files.includes('-') && (flags.filename ?? []).includes('-')) throw new UsageError('stdin can hold the expectations or the manifests (-f -), not both');
    const expectations: Expectation[] = [];
    for (const file of files) expectations.push(...(await readExpectations(file)));
    const endpoints = expectations.flatMap((e) => [parseEndpoint(e.from), parseEndpoint(e.to)]);
    const snapshot = await loadSnapshot(snapshotSourceOf(flags, namespacesFor(endpoints, flags.namespace)));
    writeSnapshotWarnings(snapshot);
    const engine = new PolicyEngine(snapshot, engineChoiceOf(snapshot, flags));
    const results = checkExpectations(snapshot, engine, expectations, defaultNamespace(snapshot, flags.namespace));
    const { leftOut: notEvaluated, choice } = engine;
    const document = renderDocument(flags.output, { ...expectationsJson(results), ...(notEvaluated.length > 0 ? { notEvaluated } : {}), ...(choice ? { engine: choice } : {}) });
    if (document !== undefined) process.stdout.write(document);
    else {
      // -o junit: stdout is the XML, so what was ignored and the engine go to stderr, uncoloured
      const junit = flags.output === 'junit';
      const style = { colour: !junit && colourFor(process.stdout) };
      const extra = [...notEvaluatedLines(style, notEvaluated), ...engineLines(style, choice)].map((l) => l + '\n').join('');
      if (junit) {
        process.stdout.write(renderExpectationsJunit(results));
        process.stderr.write(extra);
      } else process.stdout.write(renderExpectationsTable(style, results) + extra);
    }
    // a broken expectation is an answer; one that cannot be told leaves the run without one
    if (results.some((r) => !r.passed && !r.cannotTell)) this.exit(ExitCode.No);
    if (results.some((r) => r.cannotTell)) this.exit(ExitCode.Unreachable);
  }
}

async function readExpectations(file: string): Promise<Expectation[]> {
  let text: string;
  const name = file === '-' ? 'stdin' : file;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory (name the expectations files)' : code ?? String(err)}`);
  }
  const docs = parseAllDocuments(text);
  const list = (Array.isArray(docs) ? docs : []).filter((d) => d.contents !== null);
  if (list.length === 0) throw new UsageError(`${name}: holds no ${EXPECTATIONS_KIND} document (empty input?)`);
  return list.flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new UsageError(`${name}: document ${i + 1}: ${doc.errors[0].message.split('\n')[0]}`);
    return parseExpectations(doc.toJS(), list.length > 1 ? `${name} (document ${i + 1})` : name);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
