#!/bin/bash
# Install every Debian bookworm package libvirt-defaults needs to build, test and
# document itself, and what the libvirt oracle (../shared/oracle) needs.
#
# Idempotent: when everything is present it changes nothing and needs no root.
# Otherwise it needs root (or sudo) and installs only from Debian's archive with
# apt-get; `apt-get update` runs only when something is missing.
#
# usage: build-aux/install-deps.sh [--fork]
#
# --fork also installs what the libvirt fork needs to build (build-aux/fork-build.sh):
# a deb-src entry for Debian's archive when the machine has none, and libvirt's
# build dependencies (`apt-get build-dep libvirt`).

set -euo pipefail

fork=no
[ "${1:-}" = --fork ] && fork=yes

# Building: compiler, meson/ninja, GLib (glib-compile-resources is in -dev-bin),
# libxml2, gettext for po/, docutils for rst2man, libvirt-dev for the libvirt backend.
build_pkgs="
    gcc libc6-dev pkg-config meson ninja-build
    libglib2.0-dev libglib2.0-dev-bin libxml2-dev gettext python3-docutils
    libvirt-dev
"
# Testing: xmllint, valgrind, clang with its sanitizer/libFuzzer runtime, clang-format,
# and libvirt's domain RelaxNG schemas (/usr/share/libvirt/schemas/domain.rng, which
# Debian ships in libvirt0).
test_pkgs="
    libxml2-utils valgrind clang libclang-rt-14-dev clang-format libvirt0
"
# The oracle: real libvirt 9.0 embedded in python, and the QEMU 7.2 emulators it probes.
oracle_pkgs="
    libvirt-daemon-driver-qemu libvirt-clients python3 python3-libvirt python3-lxml
    qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-misc
"

# The fork: unpacking, patching and syncing the source package.
fork_pkgs="dpkg-dev patch rsync"
[ "$fork" = yes ] || fork_pkgs=""

missing=""
for p in $build_pkgs $test_pkgs $oracle_pkgs $fork_pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

need_user=no
if ! getent passwd libvirt-qemu >/dev/null; then
    need_user=yes
fi

# libvirt's own build dependencies: a marker package of the set, checked cheaply.
need_builddep=no
if [ "$fork" = yes ]; then
    for p in libyajl-dev libnl-route-3-dev libtirpc-dev xsltproc augeas-tools libsasl2-dev; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            need_builddep=yes
        fi
    done
fi

# apt-get source and build-dep need a deb-src entry; Debian's images have none
need_debsrc=no
if [ "$fork" = yes ] &&
   ! grep -rqs -e '^Types:.*deb-src' -e '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    need_debsrc=yes
fi

if [ -z "$missing" ] && [ "$need_user" = no ] && [ "$need_builddep" = no ] &&
   [ "$need_debsrc" = no ]; then
    [ "$fork" = yes ] || echo "install-deps: all dependencies are installed"
    exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo -n)
    else
        echo "install-deps: missing:$missing; run this script as root" >&2
        exit 1
    fi
fi

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -qq
    # shellcheck disable=SC2086
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends $missing </dev/null
fi

if [ "$need_debsrc" = yes ]; then
    echo "install-deps: adding a deb-src entry for Debian's archive"
    src=/etc/apt/sources.list.d/debian.sources
    if [ -f "$src" ]; then
        sed -e 's/^Types: deb$/Types: deb-src/' "$src" |
            "${as_root[@]}" tee /etc/apt/sources.list.d/vd-deb-src.sources >/dev/null
    else
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
            "${as_root[@]}" tee /etc/apt/sources.list.d/vd-deb-src.list >/dev/null
    fi
    "${as_root[@]}" apt-get update -qq
fi
if [ "$need_builddep" = yes ]; then
    echo "install-deps: installing libvirt's build dependencies"
    export DEBIAN_FRONTEND=noninteractive
    [ "$need_debsrc" = yes ] || "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get build-dep -y -qq libvirt </dev/null >/dev/null
fi

# The oracle's embedded QEMU driver looks up the user libvirt-qemu, which Debian's
# libvirt-daemon-system would create; the oracle does not need that whole package.
if [ "$need_user" = yes ]; then
    echo "install-deps: creating the system user libvirt-qemu"
    if getent group libvirt-qemu >/dev/null; then
        group_opt=(-g libvirt-qemu)
    else
        group_opt=(-U)
    fi
    "${as_root[@]}" useradd --system "${group_opt[@]}" --no-create-home \
        --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu
fi

echo "install-deps: done"
