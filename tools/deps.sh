#!/bin/sh
# Install the Debian packages tomolith builds against, if any is missing.
# As root it runs apt-get; otherwise it prints the one line to run.
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
# gcc and make are assumed (they ran this script); OpenMP comes with gcc.
if [ "$(id -u)" = 0 ]; then
  echo "make deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "make deps: apt-get failed for:$missing" >&2; exit 1; }
else
  echo "make deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install$missing" >&2
  exit 1
fi
