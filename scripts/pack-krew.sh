#!/usr/bin/env bash
# The krew release archive: the npm package plus its production dependencies, since krew copies files and
# runs no install step. keytar (optional, native) is left out: krew users get the 0600 file cache unless
# they install kubectl-np with npm on a machine with libsecret. Writes kubectl-np-krew.tar.gz and its sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tarball=$(npm pack --silent --pack-destination "$stage" | tail -n 1)
tar -xzf "$stage/$tarball" -C "$stage"
mv "$stage/package" "$stage/kubectl-np"
(cd "$stage/kubectl-np" && npm install --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --no-package-lock >/dev/null)
tar -czf kubectl-np-krew.tar.gz -C "$stage" kubectl-np
sha256sum kubectl-np-krew.tar.gz
echo "kubectl-np-krew.tar.gz: $(du -h kubectl-np-krew.tar.gz | cut -f1) packed, $(du -sh "$stage/kubectl-np" | cut -f1) unpacked"
