// --engine, shared by the commands that evaluate policies: one description, one way to pick the engine.
import { Flags } from '@oclif/core';
import type { ClusterSnapshot } from '../model/k8s.js';
import { chooseEngine, type EngineChoice } from '../netpol/engine-choice.js';
import { ENGINES } from '../netpol/kinds/index.js';

export const engineFlag = {
  engine: Flags.string({
    description:
      'the policy engine whose kinds count: azure-npm, calico, cilium, antrea, ovn-kubernetes, kube-network-policies, or auto (every kind given). Default: live, the engine detected from what runs; with -f, auto. Kinds it does not enforce are ignored and named',
    options: [...ENGINES],
  }),
};

/** The engine for this run: --engine, else detected when the snapshot was read live, else (manifests) every kind. */
export function engineChoiceOf(snapshot: ClusterSnapshot, flags: { engine?: string }): EngineChoice {
  return chooseEngine(snapshot, flags.engine);
}
