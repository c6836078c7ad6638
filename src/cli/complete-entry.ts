// `kubectl-np __complete WORDS…` and `kubectl_complete-np WORDS…`: answered from oclif.manifest.json
// without loading oclif, so a TAB costs one small Node start.
import { readFileSync } from 'node:fs';
import { complete, formatCompletion, type ManifestCommand } from './completion.js';

export function printCompletions(manifestPath: string, words: string[]): void {
  let commands: Record<string, ManifestCommand> = {};
  try {
    commands = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { commands: Record<string, ManifestCommand> }).commands;
  } catch {
    // no manifest (a plain tsc build): offer nothing rather than an error in the middle of a command line
  }
  process.stdout.write(formatCompletion(complete(commands, words)));
}
