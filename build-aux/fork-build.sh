#!/bin/bash
# Build the libvirt-defaults fork: Debian bookworm's libvirt source package
# 9.0.0-4+deb12u2 with our patch series (fork/patches/*.patch) and our driver glue
# (fork/glue/*), against the engine's library in this build tree.
#
# usage: build-aux/fork-build.sh [--quiet]
#
# Installs what is missing the first time (a deb-src entry, libvirt's build
# dependencies: run it as root or with sudo available), then:
#   1. builds the engine (./build, or $VD_BUILDDIR);
#   2. fetches the source package with `apt-get source` into build-fork/dl/;
#   3. unpacks it (dpkg-source applies Debian's own patches), applies ours and copies
#      the glue in, and syncs the result into build-fork/libvirt/ so that only files
#      whose content changed get a new time stamp;
#   4. configures libvirt once (QEMU, remote and libvirtd drivers, tests; no docs, no
#      other hypervisor) and runs ninja.
# With nothing changed it does no more than ask ninja, and takes a few seconds.
# VD_FORK_DIR overrides build-fork/.  See docs/integration.rst.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${VD_BUILDDIR:-build}
forkdir=${VD_FORK_DIR:-$top/build-fork}
version=9.0.0-4+deb12u2
quiet=no
[ "${1:-}" = --quiet ] && quiet=yes

say() {
    [ "$quiet" = yes ] || echo "fork-build: $*" >&2
}

cd "$top"
"$top/build-aux/install-deps.sh" --fork >&2

# 1. The engine, which the fork links.
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" >&2
fi
if [ "$quiet" = yes ]; then
    ninja -C "$builddir" >/dev/null
else
    ninja -C "$builddir" >&2
fi

# 2. The source package, once.
mkdir -p "$forkdir/dl"
dsc="$forkdir/dl/libvirt_${version}.dsc"
if [ ! -f "$dsc" ]; then
    say "fetching libvirt $version with apt-get source"
    (cd "$forkdir/dl" && apt-get source --download-only -qq "libvirt=$version" >&2)
fi

# 3. Unpack and patch when the series or the glue changed.
key=$( (echo "$version"; cat fork/patches/*.patch fork/glue/*) | sha256sum | cut -d' ' -f1)
tree="$forkdir/libvirt"
if [ ! -f "$tree/.vd-series" ] || [ "$(cat "$tree/.vd-series")" != "$key" ]; then
    stage="$forkdir/stage"
    rm -rf "$stage"
    say "unpacking and applying $(ls fork/patches/*.patch | wc -l) patches"
    dpkg-source --no-check -x "$dsc" "$stage" >/dev/null
    for p in fork/patches/*.patch; do
        patch -s -p1 -d "$stage" < "$p" || {
            echo "fork-build: $p does not apply" >&2
            exit 1
        }
    done
    cp fork/glue/qemu_defaults.c fork/glue/qemu_defaults.h "$stage/src/qemu/"
    # libvirt's meson runs `git submodule update` inside a git tree: keep it out
    rm -rf "$stage/.git" "$stage/.pc"
    mkdir -p "$tree"
    rsync -rlpc --delete --exclude=/build --exclude=/.vd-series "$stage/" "$tree/"
    rm -rf "$stage"
    echo "$key" > "$tree/.vd-series"
fi

# 4. Configure once, then ninja.
export PKG_CONFIG_PATH="$top/$builddir/fork${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if [ ! -f "$tree/build/build.ninja" ]; then
    say "configuring libvirt"
    disabled=""
    for d in bhyve ch esx hyperv libxl lxc openvz vbox vmware vz; do
        disabled="$disabled -Ddriver_$d=disabled"
    done
    # shellcheck disable=SC2086
    (cd "$tree" && meson setup build \
        --prefix="$forkdir/prefix" \
        -Ddriver_qemu=enabled -Ddriver_remote=enabled -Ddriver_libvirtd=enabled \
        -Ddriver_test=enabled -Dtests=enabled -Ddocs=disabled -Dexpensive_tests=disabled \
        -Dqemu_user=root -Dqemu_group=root -Dinit_script=none \
        $disabled >"$forkdir/configure.log" 2>&1) || {
        tail -30 "$forkdir/configure.log" >&2
        exit 1
    }
fi
if [ "$quiet" = yes ]; then
    ninja -C "$tree/build" >"$forkdir/ninja.log" 2>&1 || {
        tail -40 "$forkdir/ninja.log" >&2
        exit 1
    }
else
    ninja -C "$tree/build" >&2
fi
say "the fork is built in $tree/build"
