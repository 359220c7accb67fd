#!/usr/bin/env bash
# Installs what the native-test module needs on a Debian machine: a C compiler and the headers/libraries its fault
# tools are built against (libseccomp, libfuse3), the FUSE runtime (fusermount3), and util-linux tools the tests
# call (setpriv, prlimit, mount). The tests skip with a reason wherever something here is missing, so this script
# only decides whether they run, never whether they pass.
# Needs root (apt-get). Does nothing but print a note when not on Debian/Ubuntu or not root.
set -euo pipefail

packages=(gcc libc6-dev pkg-config libseccomp-dev fuse3 libfuse3-dev util-linux procps e2fsprogs)

if [ "$(uname -s)" != Linux ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "native-test/install-deps.sh: not a Debian-like Linux; native tests will skip what they cannot run"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "native-test/install-deps.sh: not root; native tests will skip what they cannot run"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "native-test/install-deps.sh: all present (${packages[*]})"
  exit 0
fi

echo "native-test/install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
