// Which policy kinds count: those of the engine named by --engine, or on a live cluster those of the
// engine(s) detected from what runs. Pure: the live reader (src/cluster/live.ts) lists the agent
// DaemonSets and the served policy API groups into the snapshot; this decides, once, for can-reach,
// explain, matrix, report and audit. docs/network-policies.md, "Engines".
import { UsageError } from '../errors.js';
import type { ClusterSnapshot } from '../model/k8s.js';
import { ENGINES, engineKinds, notEnforcedBy, type EngineName, type PolicyFamily } from './kinds/index.js';
import type { CompileOptions } from './kinds/compile.js';

/** How the engine was chosen, as output says it. */
export type EngineBasis =
  /** --engine NAME */
  | 'flag'
  /** live: the agents that run */
  | 'detected'
  /** live: no agent runs; every kind is evaluated as written (what the policies say) */
  | 'none'
  /** live: what runs could not be read, or runs an engine whose kinds are not known here; every kind is evaluated */
  | 'unknown'
  /** --engine auto: every kind given */
  | 'auto';

/** The engine as -o json carries it (`"engine"`), and as the human output names it. */
export interface EngineReport {
  by: EngineBasis;
  /** engine ids (azure-npm, calico, cilium, antrea, …): named, or detected; empty when none is known */
  engines: string[];
  /** one line: "Azure NPM (detected: DaemonSet azure-npm runs)" */
  text: string;
  /** what was assumed because detection could not decide, and how to decide it instead */
  assumption?: string;
}

export interface EngineChoice extends CompileOptions {
  /** undefined for manifests without --engine: every kind given, nothing to say */
  report?: EngineReport;
}

interface AgentEngine {
  id: string;
  title: string;
  /** kinds beyond NetworkPolicy it enforces; undefined = not known here */
  families?: readonly PolicyFamily[];
}

const named = (id: Exclude<EngineName, 'auto'>): AgentEngine => ({ id, ...engineKinds(id) });

/**
 * Agent DaemonSets (or the pods they own) → the engine enforcing policies. kube-router and Weave Net
 * implement networking.k8s.io NetworkPolicy only; which other kinds Kube-OVN enforces is not recorded here.
 */
export const ENGINE_AGENTS: Readonly<Record<string, AgentEngine>> = {
  'calico-node': named('calico'),
  canal: named('calico'),
  cilium: named('cilium'),
  'cilium-agent': named('cilium'),
  'azure-npm': named('azure-npm'),
  'azure-npm-win': named('azure-npm'),
  'antrea-agent': named('antrea'),
  'ovnkube-node': named('ovn-kubernetes'),
  'kube-network-policies': named('kube-network-policies'),
  'kube-router': { id: 'kube-router', title: 'kube-router', families: [] },
  'weave-net': { id: 'weave-net', title: 'Weave Net', families: [] },
  'kube-ovn-cni': { id: 'kube-ovn', title: 'Kube-OVN' },
};

/** Where engine agents are installed (AKS and the Calico operator), read even when other namespaces are asked for. */
export const ENGINE_NAMESPACES: readonly string[] = ['kube-system', 'calico-system'];

/** Policy API groups an engine installs: served while no agent is found, they hint where to look. */
const ENGINE_GROUPS: { group: string; engine: Exclude<EngineName, 'auto'> }[] = [
  { group: 'cilium.io', engine: 'cilium' },
  { group: 'projectcalico.org', engine: 'calico' },
  { group: 'crd.projectcalico.org', engine: 'calico' },
];

function joinTitles(titles: string[]): string {
  return titles.length <= 1 ? (titles[0] ?? '') : `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`;
}

export function isEngineName(name: string): name is EngineName {
  return (ENGINES as readonly string[]).includes(name);
}

/** Engines whose API is served but whose agent was not found: "cilium.io/v2 is served, … --engine cilium". */
function servedHint(served: string[] | undefined, found: string[]): string {
  const hints = new Map<string, string>();
  for (const gv of served ?? []) {
    const g = ENGINE_GROUPS.find((e) => gv.startsWith(`${e.group}/`));
    if (g && !found.includes(g.engine) && !hints.has(g.engine)) hints.set(g.engine, `${gv} is served, so ${engineKinds(g.engine).title} may run elsewhere: if it does, pass --engine ${g.engine}`);
  }
  return [...hints.values()].join('; ');
}

/**
 * The one decision: --engine NAME wins; --engine auto, and manifests without --engine, evaluate every
 * kind given; a live read without --engine evaluates the kinds of the engine(s) whose agents run. When
 * the agents could not be read (a forbidden DaemonSet list), or none runs, every kind is evaluated and
 * the output says why.
 */
export function chooseEngine(snapshot: Pick<ClusterSnapshot, 'origin' | 'policyEngines' | 'servedPolicyApis' | 'unreadable'>, flag: string | undefined): EngineChoice {
  if (flag !== undefined && flag !== 'auto') {
    if (!isEngineName(flag)) throw new UsageError(`--engine ${flag}: not one of ${ENGINES.join(', ')}`);
    const name = flag as Exclude<EngineName, 'auto'>;
    return { notEnforced: notEnforcedBy(name), report: { by: 'flag', engines: [name], text: `${engineKinds(name).title} (--engine ${name})` } };
  }
  if (flag === 'auto') return { report: { by: 'auto', engines: [], text: 'every kind given (--engine auto)' } };
  if (snapshot.origin !== 'live') return {};
  const agents = snapshot.policyEngines;
  if (agents === undefined) {
    // in ENGINE_NAMESPACES order: the reads finish in any order
    const blocked = (snapshot.unreadable ?? [])
      .filter((u) => u.resource === 'daemonsets' && (u.namespace === undefined || ENGINE_NAMESPACES.includes(u.namespace)))
      .sort((a, b) => ENGINE_NAMESPACES.indexOf(a.namespace ?? '') - ENGINE_NAMESPACES.indexOf(b.namespace ?? ''));
    const where = blocked.some((u) => u.namespace === undefined) ? ' in any namespace' : blocked.length ? ` in ${joinTitles(blocked.map((u) => u.namespace!))}` : '';
    const why = blocked.length ? `you may not list daemonsets${where}` : 'the DaemonSets were not read';
    const hint = servedHint(snapshot.servedPolicyApis, []);
    return {
      report: {
        by: 'unknown',
        engines: [],
        text: `unknown (${why})`,
        assumption: `the enforcing engine could not be detected (${why}), so every policy kind read is evaluated as if enforced; pass --engine NAME to name it${hint ? ` (${hint})` : ''}`,
      },
    };
  }
  if (agents.length === 0) {
    const hint = servedHint(snapshot.servedPolicyApis, []);
    return {
      report: {
        by: 'none',
        engines: [],
        text: 'none found (no Calico, Cilium, Azure NPM, Antrea… agent runs)',
        ...(hint ? { assumption: hint } : {}),
      },
    };
  }
  const engines = [...new Map(agents.map((a) => ENGINE_AGENTS[a]).filter((e): e is AgentEngine => e !== undefined).map((e) => [e.id, e])).values()];
  const titles = joinTitles(engines.map((e) => e.title));
  const text = `${titles} (detected: DaemonSet ${agents.join(', ')} ${agents.length === 1 ? 'runs' : 'run'})`;
  const unknownKinds = engines.filter((e) => e.families === undefined);
  if (engines.length === 0 || unknownKinds.length > 0) {
    const who = engines.length ? joinTitles(unknownKinds.map((e) => e.title)) : agents.join(', ');
    return {
      report: {
        by: 'unknown',
        engines: engines.map((e) => e.id),
        text,
        assumption: `which policy kinds beyond NetworkPolicy ${who} enforces is not known here, so every policy kind read is evaluated as if enforced; pass --engine NAME to name them`,
      },
    };
  }
  const enforced = new Set(engines.flatMap((e) => e.families!));
  const why = `this cluster's ${engines.length === 1 ? 'engine is' : 'engines are'} ${titles}`;
  return {
    notEnforced: (family) => (enforced.has(family) ? undefined : why),
    report: { by: 'detected', engines: engines.map((e) => e.id), text },
  };
}
