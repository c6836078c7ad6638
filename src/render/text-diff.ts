// A unified diff of two texts (diff -u's format), for showing a file edit before it is made. Files are
// small (kubeconfigs); the common head and tail are trimmed before the quadratic LCS of what is left.

type Op = { op: ' ' | '-' | '+'; line: string };

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function edits(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const w = y.length + 1;
  // lcs[i*w+j]: length of the longest common subsequence of x[i..] and y[j..]
  const lcs = new Int32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
  }
  const ops: Op[] = a.slice(0, head).map((line) => ({ op: ' ', line }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      ops.push({ op: ' ', line: x[i] });
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) ops.push({ op: '-', line: x[i++] });
    else ops.push({ op: '+', line: y[j++] });
  }
  return ops.concat(a.slice(a.length - tail).map((line) => ({ op: ' ', line })));
}

// as diff -u writes a side: START,LENGTH, the length left out when it is 1, an empty side numbered by the line before it
const range = (before: number, length: number) => (length === 1 ? `${before + 1}` : `${before + (length ? 1 : 0)},${length}`);

/** `--- from` / `+++ to` and @@ hunks with `context` lines around each change; '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  if (before === after) return '';
  const ops = edits(lines(before), lines(after));
  const changed = ops.flatMap((o, k) => (o.op === ' ' ? [] : [k]));
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // old and new line numbers before each op
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let n = 0;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(n);
    if (op.op !== '+') o++;
    if (op.op !== '-') n++;
  }
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - context);
    let last = changed[k];
    while (k + 1 < changed.length && changed[k + 1] - last <= 2 * context) last = changed[++k];
    k++;
    const end = Math.min(ops.length, last + context + 1);
    const hunk = ops.slice(start, end);
    const oldLen = hunk.filter((h) => h.op !== '+').length;
    const newLen = hunk.filter((h) => h.op !== '-').length;
    out.push(`@@ -${range(oldAt[start], oldLen)} +${range(newAt[start], newLen)} @@`);
    for (const h of hunk) out.push(`${h.op}${h.line}`);
  }
  return out.join('\n') + '\n';
}
