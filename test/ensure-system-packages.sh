#!/usr/bin/env bash
# Installs the Debian packages that integration tests start (slapd, samba, nginx...) when a
# binary is missing. As root it installs them; otherwise it prints the exact command and fails.
set -euo pipefail
# binary:package pairs; extend as tests need more.
REQUIRED=(nginx:nginx
  # OpenLDAP (test/support/slapd.ts): slapd and slapadd, and the ldap-utils clients.
  slapd:slapd ldapsearch:ldap-utils openssl:openssl
  # Samba AD DC (test/support/samba.ts): samba needs the AD DC packages (DSDB modules, winbind)
  # and the provisioning data, which have no binary of their own, so they hang off `samba`.
  samba:samba samba:samba-ad-dc samba:samba-ad-provision samba-tool:samba-common-bin
  winbindd:winbind ldbmodify:ldb-tools
  # systemd/ units (test/unit/systemd-units.test.ts): systemd-analyze verify, sysusers, tmpfiles;
  # setpriv runs a client as nobody (test/integration/socket-permissions.test.ts).
  systemd-analyze:systemd setpriv:util-linux)
missing=()
for pair in "${REQUIRED[@]+"${REQUIRED[@]}"}"; do
  bin="${pair%%:*}"; pkg="${pair##*:}"
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then missing+=("$pkg"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing test dependencies: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The tests start private instances on their own ports: keep the packages' system services
  # (slapd and samba on 389/636, nginx on 80) from starting at install time, and skip slapd's
  # default database.
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections 2>/dev/null || true
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "tests need these Debian packages: ${missing[*]}" >&2
  echo "run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
