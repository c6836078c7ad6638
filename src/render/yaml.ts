// -o yaml for every command. Reports reuse objects (the deciding connection is also in the list), and
// the yaml library would print those as anchors and aliases (&a1 / *a1), which people and most YAML
// tools read badly: write each occurrence out.
//
// Names in reports come from the cluster, Entra and Graph. The yaml library escapes C0 controls but
// writes C1 controls and bidirectional overrides (U+202E, U+2066…) as they are, even in double quotes,
// so a hostile name could reorder or restyle what the terminal shows. A string holding any of them is
// written double-quoted, and printable() then turns each into a YAML escape (\xNN, \uNNNN): the text
// on screen is inert and a YAML parser still reads back the exact value.
import { Document, visit } from 'yaml';
import { printable } from '../printable.js';

export function toYaml(value: unknown): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && printable(node.value) !== node.value) node.type = 'QUOTE_DOUBLE';
    },
  });
  return printable(doc.toString());
}
