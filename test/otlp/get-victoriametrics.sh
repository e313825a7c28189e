#!/usr/bin/env bash
# Installs VictoriaMetrics (a real OTLP/HTTP receiver that answers PromQL) for the export tests, from
# Debian's trixie suite, without changing the system's apt sources: a private apt configuration reuses
# the Debian mirror the system already uses. (Approach of ../shared/otlp/get-victoriametrics.sh.)
# usage: bash test/otlp/get-victoriametrics.sh [DIR]   (DIR: $TOKENOMICS_VM_DIR, else ~/.cache/tokenomics-e2e/vm)
# Prints the binary's path. Idempotent: on a finished DIR it only prints the path. Needs apt-get and
# dpkg-deb (Debian or Ubuntu), not root.
set -euo pipefail
DIR="${1:-${TOKENOMICS_VM_DIR:-$HOME/.cache/tokenomics-e2e/vm}}"
BIN="$DIR/usr/bin/victoria-metrics"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
  || { echo "apt-get and dpkg-deb are needed to fetch VictoriaMetrics from Debian (package victoria-metrics)" >&2; exit 1; }
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); A="$DIR/.apt"
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/etc"
# The mirror the system uses for Debian (deb822 or one-line format); the suite becomes trixie.
uri=$( { cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } |
  awk '$1 == "URIs:" || $1 == "deb" { print $2 }' | grep -v -e security -e '^\[' | head -1 || true)
[ -n "$uri" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }
printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" > "$A/etc/trixie.sources"
O=(-o "Dir::Etc::sourcelist=/dev/null" -o "Dir::Etc::sourceparts=$A/etc" -o "Dir::State::Lists=$A/lists"
   -o "Dir::Cache=$A/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)")
apt-get "${O[@]}" -qq update >&2
(cd "$A" && apt-get "${O[@]}" -qq download victoria-metrics >&2)
dpkg-deb -x "$A"/victoria-metrics_*.deb "$DIR"
rm -rf "$A/lists" "$A/cache"
[ -x "$BIN" ] || { echo "victoria-metrics binary not found after extraction" >&2; exit 1; }
echo "$BIN"
