// -o yaml for every command. Reports reuse objects (the deciding connection is also in the list), and
// the yaml library would print those as anchors and aliases (&a1 / *a1), which people and most YAML
// tools read badly: write each occurrence out.
import { stringify } from 'yaml';

export function toYaml(value: unknown): string {
  return stringify(value, { aliasDuplicateObjects: false });
}
