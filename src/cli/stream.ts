// Large outputs (a 1,000-pod matrix is a million verdicts) written with back-pressure: each chunk waits
// until the reader has taken the previous ones, so memory stays bounded whatever the output size, and
// nothing is left queued for oclif's flush(), which gives stdout only 10 s before "timed out".

/**
 * Writes the chunks in order, waiting for 'drain' whenever the stream's buffer is full. Returns false
 * when the reader went away (EPIPE: `| head`), so the command can stop without an error.
 */
export async function writeChunks(out: NodeJS.WritableStream, chunks: Iterable<string>): Promise<boolean> {
  let closed = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  };
  out.on('error', onError);
  try {
    for (const chunk of chunks) {
      if (closed) return false;
      if (out.write(chunk)) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          out.off('error', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
        out.on('error', done);
      });
    }
    return !closed;
  } finally {
    out.off('error', onError);
  }
}
