// A command's report as one document: -o json, -o yaml and kubectl's -o jsonpath=TEMPLATE all print the
// same value, so a field seen in -o json can be picked with a template.
import { isJsonPathOutput, parseJsonPathOutput, renderJsonPath } from './jsonpath.js';
import { inertJson } from '../printable.js';
import { toYaml } from './yaml.js';

/** The document in the -o format asked for; undefined when the format is the command's own (table, text, junit…). */
export function renderDocument(output: string, doc: unknown): string | undefined {
  if (output === 'json') return inertJson(doc, 2) + '\n';
  if (output === 'yaml') return toYaml(doc);
  if (isJsonPathOutput(output)) return renderJsonPath(parseJsonPathOutput(output), doc);
  return undefined;
}
