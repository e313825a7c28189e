#!/usr/bin/env bash
# Installs what the end-to-end tests need: a real, runnable VS Code (code-server 4.100.3's VS Code 1.100.3
# build), playwright-core (drives Debian's chromium), vsce (packages the .vsix), and the Debian packages
# they need. Only the npm registry and Debian apt are used: nothing is downloaded from GitHub or
# playwright's CDN.
#
# usage: bash test/e2e/setup.sh [DIR]
#   DIR defaults to $TOKENOMICS_VSCODE_DIR, else ~/.cache/tokenomics-e2e/vsc.
#   Idempotent: on a finished DIR it takes about a second. First run: 90-165 s, DIR is ~430 MB.
#   As root, missing apt packages are installed; otherwise the script stops and names them.
# Why each step is needed: test/e2e/README.md ("Files" and "Machine-scoped settings").
set -euo pipefail
T0=$(date +%s)
DIR="${1:-${TOKENOMICS_VSCODE_DIR:-$HOME/.cache/tokenomics-e2e/vsc}}"
CS_VERSION=4.100.3      # the last code-server that runs on Node 20 (VS Code 1.100.3)
PW_VERSION=1.56.1
VSCE_VERSION=3.9.2      # vsce >= 4 needs Node 22
APT_PACKAGES=(build-essential python3 pkg-config libkrb5-dev ripgrep chromium)
step() { echo "== e2e setup [$(( $(date +%s) - T0 ))s] $*"; }
die() { echo "e2e setup FAILED: $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
export npm_config_yes=true                 # `npx node-gyp` (node-pty's install step) must not prompt
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# node-gyp must use the local headers, not download them from nodejs.org
if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi

command -v node >/dev/null || die "node is not on PATH (Node 20 is required)"
command -v npm >/dev/null || die "npm is not on PATH"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || die "Node >= 20 is required, found $(node -v)"

# 1. Debian packages -------------------------------------------------------------------------------
command -v dpkg-query >/dev/null || die "dpkg-query not found: this setup needs Debian/Ubuntu packages: ${APT_PACKAGES[*]}"
need=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian package(s): ${need[*]}. Install them as root: sudo apt-get install -y ${need[*]}  (then re-run: npm run test:e2e)"
  fi
  step "apt-get install ${need[*]}"
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
else
  step "apt packages present: ${APT_PACKAGES[*]}"
fi
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || die "/usr/bin/chromium not found (Debian package: chromium)"
command -v rg >/dev/null || die "rg not found (Debian package: ripgrep)"

# 2. npm packages, without install scripts (they would download binaries from GitHub) ---------------
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"; cd "$DIR"
[ -f package.json ] || echo '{ "name": "tokenomics-e2e-vscode", "private": true }' > package.json
CS="$DIR/node_modules/code-server"; VS="$CS/lib/vscode"
have_ver() { node -p "require('$1/package.json').version" 2>/dev/null || true; }
if [ "$(have_ver "$CS")" != "$CS_VERSION" ] || [ "$(have_ver "$DIR/node_modules/playwright-core")" != "$PW_VERSION" ] \
   || [ "$(have_ver "$DIR/node_modules/@vscode/vsce")" != "$VSCE_VERSION" ]; then
  step "npm install code-server@$CS_VERSION playwright-core@$PW_VERSION @vscode/vsce@$VSCE_VERSION"
  rm -f "$VS/node_modules/.vsreal-done"
  npm install --ignore-scripts --save-exact --no-fund --no-audit \
    "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" "@vscode/vsce@$VSCE_VERSION"
fi

# 3. argon2 (code-server requires it at start): the prebuilt download fails, node-gyp builds it ------
if ! node -e "require('$DIR/node_modules/argon2')" 2>/dev/null; then
  step "build argon2"
  npm rebuild argon2
  node -e "require('$DIR/node_modules/argon2')" || die "argon2 did not build (needs build-essential, python3)"
fi

# 4. VS Code's own node_modules (what code-server's postinstall.sh does) ---------------------------
cd "$VS"
if [ ! -f node_modules/.vsreal-done ]; then
  step "npm install in lib/vscode"
  npm install --omit=dev --ignore-scripts --no-fund --no-audit
  # @vscode/ripgrep's install step downloads rg from GitHub; it skips when bin/ exists: use Debian's rg
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp -f "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  step "npm rebuild (native modules: node-pty, kerberos, spdlog, watchdog, deviceid, parcel watcher)"
  npm rebuild
  touch node_modules/.vsreal-done
fi
# symlinks made by code-server's postinstall.sh
[ -L node_modules.asar ] || { rm -rf node_modules.asar; ln -s node_modules node_modules.asar; }
[ -L bin/remote-cli/code-server ] || ln -sf code-linux.sh bin/remote-cli/code-server
[ -L bin/helpers/browser.sh ] || ln -sf browser-linux.sh bin/helpers/browser.sh
cd extensions
if [ ! -f node_modules/typescript/package.json ]; then
  step "npm install in lib/vscode/extensions (typescript for the built-in TS language features)"
  npm install --omit=dev --no-fund --no-audit   # its postinstall only trims typescript: offline-safe
fi

# 5. sanity check -------------------------------------------------------------------------------------
cd "$DIR"
node -e "for (const m of ['node-pty','@vscode/spdlog','native-watchdog','kerberos','@parcel/watcher']) require(require.resolve(m,{paths:['$VS']}))" \
  || die "a native module of VS Code does not load; delete $VS/node_modules/.vsreal-done and re-run"
node -e "require('$DIR/node_modules/playwright-core')" || die "playwright-core does not load"
[ -x "$DIR/node_modules/.bin/vsce" ] || die "vsce missing in $DIR/node_modules/.bin"
# (no `code-server --version` here: it would write ~/.config/code-server/config.yaml)
step "code-server $(have_ver "$CS") / VS Code $(node -p "require('$VS/product.json').version || ''" 2>/dev/null) ready in $DIR"
