#!/usr/bin/env bash
# Installs what the real-FTP-server test harness (test/harness/servers.ts) needs,
# on Debian 12, as root. Idempotent; exits in well under a second when done.
#
#  - apt-installs: lftp, python3-pyftpdlib, python3-openssl, libpam-pwdfile,
#    openssl, plus the shared libraries the unpacked servers link against.
#  - apt-get downloads pure-ftpd, proftpd-core (which holds mod_digest),
#    proftpd-mod-crypto (mod_tls) and vsftpd, and unpacks them with dpkg-deb -x
#    into <repo>/.test-servers/pkgs (git-ignored). Debian refuses to install the
#    three servers together (each Conflicts: ftp-server); unpacking also means no
#    maintainer scripts, no daemon on port 21 and nothing written to /etc.
#
# Usage: .ci/install-test-deps.sh [--force]
# Env:   FXP_TEST_SERVERS_DIR  overrides <repo>/.test-servers
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${FXP_TEST_SERVERS_DIR:-$REPO/.test-servers}"
PKGS="$BASE/pkgs"
DEBS="$BASE/debs"
STAMP="$PKGS/.installed"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

APT_PKGS=(lftp python3-pyftpdlib python3-openssl libpam-pwdfile openssl acl)
SERVER_DEBS=(pure-ftpd proftpd-core proftpd-mod-crypto vsftpd)
# Files that must exist once everything is in place.
NEED_FILES=(
  "$PKGS/usr/sbin/pure-ftpd" "$PKGS/usr/bin/pure-pw"
  "$PKGS/usr/sbin/proftpd" "$PKGS/usr/lib/proftpd/mod_tls.so" "$PKGS/usr/lib/proftpd/mod_digest.so"
  "$PKGS/usr/sbin/vsftpd"
  /usr/bin/lftp /usr/bin/openssl /usr/bin/setfacl /usr/bin/python3 /usr/lib/python3/dist-packages/pyftpdlib/__init__.py
)
CHECK_BINS=("$PKGS/usr/sbin/pure-ftpd" "$PKGS/usr/bin/pure-pw" "$PKGS/usr/sbin/proftpd" "$PKGS/usr/sbin/vsftpd"
  "$PKGS/usr/lib/proftpd/mod_tls.so" "$PKGS/usr/lib/proftpd/mod_digest.so")

log() { echo "install-test-deps: $*" >&2; }

all_done() {
  [ -f "$STAMP" ] || return 1
  local f
  for f in "${NEED_FILES[@]}"; do [ -e "$f" ] || return 1; done
  ls /lib/x86_64-linux-gnu/security/pam_pwdfile.so /lib/*/security/pam_pwdfile.so /usr/lib/*/security/pam_pwdfile.so >/dev/null 2>&1 || return 1
  /usr/bin/python3 -c 'import pyftpdlib.handlers, OpenSSL' >/dev/null 2>&1 || return 1
  for f in "${CHECK_BINS[@]}"; do
    if ldd "$f" 2>/dev/null | grep -q 'not found'; then return 1; fi
  done
  return 0
}

if [ "$FORCE" = 0 ] && all_done; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  log "must run as root (apt-get install)"; exit 1
fi

mkdir -p "$BASE"
# One installer at a time (parallel test runs may all find things missing).
exec 9>"$BASE/.install.lock"
flock -w 600 9
if [ "$FORCE" = 0 ] && all_done; then exit 0; fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o APT::Sandbox::User=root -q)

start=$(date +%s)
log "apt-get update"
apt-get "${APT_OPTS[@]}" update >/dev/null

log "apt-get download ${SERVER_DEBS[*]}"
rm -rf "$DEBS"; mkdir -p "$DEBS"
(cd "$DEBS" && apt-get "${APT_OPTS[@]}" download "${SERVER_DEBS[@]}" >/dev/null)

# The shared libraries the unpacked servers need: the lib* entries of their
# Depends (first alternative of each), e.g. libhiredis0.14, libmemcached11,
# libpcre2-posix3, libwrap0, libsodium23.
LIBS=()
for deb in "$DEBS"/*.deb; do
  deps="$(dpkg-deb -f "$deb" Depends Pre-Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n')"
  while IFS= read -r dep; do
    name="$(echo "$dep" | sed 's/|.*//; s/(.*//; s/:.*//' | tr -d ' ')"
    case "$name" in lib*) LIBS+=("$name");; esac
  done <<<"$deps"
done
mapfile -t LIBS < <(printf '%s\n' "${LIBS[@]}" | sort -u)

log "apt-get install ${APT_PKGS[*]} ${LIBS[*]}"
apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${APT_PKGS[@]}" "${LIBS[@]}" >/dev/null

log "unpacking into $PKGS"
rm -rf "$PKGS.tmp"; mkdir -p "$PKGS.tmp"
for deb in "$DEBS"/*.deb; do dpkg-deb -x "$deb" "$PKGS.tmp"; done
missing=0
for f in "${CHECK_BINS[@]}"; do
  f2="$PKGS.tmp${f#"$PKGS"}"
  if [ ! -e "$f2" ]; then log "missing after unpack: $f"; missing=1; continue; fi
  if ldd "$f2" | grep 'not found' >&2; then log "unresolved libraries for $f"; missing=1; fi
done
[ "$missing" = 0 ] || exit 1
for deb in "$DEBS"/*.deb; do dpkg-deb --showformat='${Package}=${Version}\n' -W "$deb"; done >"$PKGS.tmp/.installed"
rm -rf "$PKGS"; mv "$PKGS.tmp" "$PKGS"
rm -rf "$DEBS"

if ! all_done; then log "installation incomplete"; exit 1; fi
log "done in $(( $(date +%s) - start )) s: $(paste -sd',' "$STAMP")"
