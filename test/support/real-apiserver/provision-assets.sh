#!/usr/bin/env bash
# Puts kube-apiserver, kube-controller-manager and etcd into one directory, controller-runtime's envtest
# layout ($KUBEBUILDER_ASSETS): the two Kubernetes binaries are unpacked from the .xz files shipped beside
# the repository (../shared/k8s, see its README for provenance) after their checksums are verified, and
# etcd is linked from Debian's etcd-server. Idempotent; a checksum mismatch leaves nothing behind.
#   KUBEBUILDER_ASSETS  target directory (default: <repo>/.cache/kubebuilder-assets)
#   K8S_BINARIES_DIR    where the .xz files and SHA256SUMS are (default: ../shared/k8s beside the checkout)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
target=${KUBEBUILDER_ASSETS:-$repo/.cache/kubebuilder-assets}

find_source() {
  if [ -n "${K8S_BINARIES_DIR:-}" ]; then echo "$K8S_BINARIES_DIR"; return; fi
  # a git worktree's checkout lives elsewhere; the main checkout's parent is where ../shared is
  local common
  common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  for dir in "$repo/../shared/k8s" ${common:+"$(dirname "$common")/../shared/k8s"}; do
    if [ -f "$dir/SHA256SUMS" ]; then (cd "$dir" && pwd); return; fi
  done
  echo "provision-assets: no ../shared/k8s with SHA256SUMS beside $repo; set K8S_BINARIES_DIR" >&2
  exit 1
}
src=$(find_source)
command -v xz >/dev/null || { echo "provision-assets: xz is missing (Debian: xz-utils)" >&2; exit 1; }
mkdir -p "$target"

for bin in kube-apiserver kube-controller-manager; do
  want=$(awk -v b="$bin" '$2 == b || $2 == "*"b { print $1 }' "$src/SHA256SUMS")
  [ -n "$want" ] || { echo "provision-assets: $bin is not in $src/SHA256SUMS" >&2; exit 1; }
  if [ -x "$target/$bin" ] && [ "$(sha256sum "$target/$bin" | cut -d' ' -f1)" = "$want" ]; then continue; fi
  tmp=$(mktemp "$target/.$bin.XXXXXX")
  xz -dc "$src/$bin.xz" > "$tmp"
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    rm -f "$tmp"
    echo "provision-assets: $bin from $src/$bin.xz has sha256 $got, SHA256SUMS says $want" >&2
    exit 1
  fi
  chmod 0755 "$tmp"
  mv -f "$tmp" "$target/$bin"
done

if [ ! -x "$target/etcd" ]; then
  etcd=$(command -v etcd || true)
  [ -n "$etcd" ] || { echo "provision-assets: etcd is missing (Debian: apt-get install etcd-server)" >&2; exit 1; }
  ln -sf "$etcd" "$target/etcd"
fi
echo "provision-assets: $target holds $("$target/kube-apiserver" --version)"
