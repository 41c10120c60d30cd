#!/usr/bin/env bash
# Installs what the real-VS-Code extension tests need on Debian 12 (CI or dev box):
#   - Debian packages: chromium (driven by playwright-core), ripgrep (fed to
#     @vscode/ripgrep's download cache), and the toolchain for code-server's
#     native modules (build-essential, python3, pkg-config, libkrb5-dev).
#   - code-server@$CODE_SERVER_VERSION (the VS Code server + workbench, from npm)
#     into <repo>/.vscode-test/code-server-<version>/, outside the project's own
#     dependencies (git-ignored), without any download from GitHub.
#
# Idempotent: returns in well under a second when everything is in place.
# Non-interactive: works without a TTY and with CI=true.
#
# Environment (all optional):
#   CODE_SERVER_VERSION   default 4.100.3 (newest that runs on node 20)
#   VSCODE_TEST_CACHE     default <repo>/.vscode-test
#   SKIP_APT=1            do not touch apt (packages must already be present)
#   FORCE=1               reinstall code-server even if the cache looks complete
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${VSCODE_TEST_CACHE:-$REPO_ROOT/.vscode-test}"
DEST="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
MARKER="$DEST/.install-complete"
CS_BIN="$DEST/node_modules/code-server/out/node/entry.js"

APT_PACKAGES=(chromium ripgrep build-essential python3 pkg-config libkrb5-dev fonts-dejavu-core ca-certificates)

log() { printf '[install-vscode-test-deps] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- apt packages
missing_packages() {
  local p status
  for p in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || printf '%s\n' "$p"
  done
}

install_apt_packages() {
  [[ "${SKIP_APT:-}" == "1" ]] && return 0
  command -v dpkg-query >/dev/null || die "dpkg-query not found: this script targets Debian/Ubuntu"
  local missing
  missing="$(missing_packages | tr '\n' ' ')"
  [[ -z "${missing// /}" ]] && return 0
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: $missing"
    sudo=(sudo -n)
  fi
  log "apt-get install: $missing"
  export DEBIAN_FRONTEND=noninteractive
  # .ci/run has just updated the package lists (install-test-deps.sh): no second download of the index.
  [[ "${FXP_APT_UPDATED:-}" == 1 ]] || "${sudo[@]}" apt-get update -qq
  # shellcheck disable=SC2086
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# ---------------------------------------------------------------- code-server
code_server_ok() {
  [[ -f "$MARKER" && -f "$CS_BIN" ]] || return 1
  [[ "$(cat "$MARKER")" == "$CODE_SERVER_VERSION" ]]
}

node_env_checks() {
  command -v node >/dev/null || die "node not found"
  command -v npm >/dev/null || die "npm not found"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$CODE_SERVER_VERSION" == 4.100.* && "$major" != 20 && -z "${FORCE_NODE_VERSION:-}" ]]; then
    die "code-server $CODE_SERVER_VERSION needs node 20 (found $(node -v))"
  fi
}

# Sets NODEDIR to a folder with include/node/node.h for the running node, if any,
# so node-gyp never downloads headers.
find_nodedir() {
  NODEDIR="${npm_config_nodedir:-}"
  if [[ -n "$NODEDIR" && -f "$NODEDIR/include/node/node.h" ]]; then return 0; fi
  local prefix
  prefix="$(node -p 'require("path").resolve(process.execPath, "../..")')"
  if [[ -f "$prefix/include/node/node.h" ]]; then NODEDIR="$prefix"
  elif [[ -f /usr/include/node/node.h ]]; then NODEDIR=/usr
  else NODEDIR=""; log "no node headers found locally: node-gyp may download them"
  fi
}

ripgrep_target() {
  case "$(uname -m)" in
    x86_64) echo x86_64-unknown-linux-musl ;;
    aarch64 | arm64) echo aarch64-unknown-linux-musl ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
}

# @vscode/ripgrep's postinstall downloads rg from GitHub unless
# $TMPDIR/vscode-ripgrep-cache-<pkg version>/ripgrep-<tag>-<target>.tar.gz exists.
# Read both from the packages themselves and put Debian's rg there.
seed_ripgrep_cache() {
  local work="$1" rg_pkg_version rg_tag target rg_path
  rg_path="$(command -v rg)" || die "rg (Debian package ripgrep) not found"

  ( cd "$work" && npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null )
  tar -xzf "$work/code-server-$CODE_SERVER_VERSION.tgz" -C "$work" package/lib/vscode/npm-shrinkwrap.json
  rg_pkg_version="$(node -p 'require(process.argv[1]).packages["node_modules/@vscode/ripgrep"].version' \
    "$work/package/lib/vscode/npm-shrinkwrap.json")"
  [[ -n "$rg_pkg_version" && "$rg_pkg_version" != undefined ]] || die "cannot find @vscode/ripgrep in code-server's shrinkwrap"

  ( cd "$work" && npm pack --silent "@vscode/ripgrep@$rg_pkg_version" >/dev/null )
  tar -xzf "$work/vscode-ripgrep-$rg_pkg_version.tgz" -C "$work" package/lib/postinstall.js
  rg_tag="$(sed -n "s/^const VERSION = '\([^']*\)'.*/\1/p" "$work/package/lib/postinstall.js")"
  [[ -n "$rg_tag" ]] || die "cannot read the ripgrep tag from @vscode/ripgrep@$rg_pkg_version"
  target="$(ripgrep_target)"

  local cache_dir="$TMPDIR/vscode-ripgrep-cache-$rg_pkg_version"
  mkdir -p "$cache_dir" "$work/rg"
  cp "$rg_path" "$work/rg/rg"
  tar -czf "$cache_dir/ripgrep-$rg_tag-$target.tar.gz" -C "$work/rg" rg
  log "seeded ripgrep cache: @vscode/ripgrep $rg_pkg_version, $rg_tag, $target (Debian $("$rg_path" --version | sed -n 1p))"
}

install_code_server() {
  node_env_checks
  find_nodedir
  log "installing code-server@$CODE_SERVER_VERSION into $DEST"
  local started=$SECONDS
  rm -rf "$DEST"
  mkdir -p "$DEST/.tmp"
  local work
  work="$(mktemp -d "$DEST/.tmp/work.XXXXXX")"
  # os.tmpdir() of every install script (including the nested npm install in
  # code-server's postinstall) points here, so the ripgrep cache is found.
  export TMPDIR="$DEST/.tmp"
  export npm_config_yes=true          # node-pty's postinstall runs `npx node-gyp`
  export npm_config_unsafe_perm=true  # code-server's postinstall refuses root otherwise
  export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
  export npm_config_progress=false npm_config_loglevel="${npm_config_loglevel:-warn}"
  [[ -n "$NODEDIR" ]] && export npm_config_nodedir="$NODEDIR"
  # Installs with our own package.json: never walk up into the project's.
  # allowScripts: npm 11's install-script policy (advisory today, enforced later);
  # the nested `npm install` in code-server's postinstall runs in lib/vscode with
  # code-server's own package.json.
  cat > "$DEST/package.json" <<'JSON'
{
  "name": "vscode-test-code-server",
  "private": true,
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON

  seed_ripgrep_cache "$work"

  ( cd "$DEST" && npm install --no-save --no-package-lock --omit=dev "code-server@$CODE_SERVER_VERSION" ) \
    || die "npm install code-server@$CODE_SERVER_VERSION failed (see above)"

  [[ -x "$DEST/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]] \
    || die "ripgrep was not installed into code-server"
  node "$CS_BIN" --version >/dev/null || die "code-server does not start"
  rm -rf "$DEST/.tmp"
  printf '%s\n' "$CODE_SERVER_VERSION" > "$MARKER"
  log "code-server $(node "$CS_BIN" --version | head -1) installed in $((SECONDS - started)) s"
}

main() {
  install_apt_packages
  command -v chromium >/dev/null || die "chromium not found (apt-get install chromium)"
  if [[ "${FORCE:-}" != "1" ]] && code_server_ok; then
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # One installer at a time per cache (parallel test runs, several checkouts).
  exec 9>"$CACHE_ROOT/.install-code-server.lock"
  flock 9
  if [[ "${FORCE:-}" != "1" ]] && code_server_ok; then
    return 0
  fi
  install_code_server
}

main "$@"
