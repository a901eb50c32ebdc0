#!/bin/bash
# The newcomer's first command: install what is missing, build the engine and the
# libvirt fork, and define the example aarch64 'virt' guest
# docs/examples/aarch64-virt-guest.xml with the fork's own virsh on an embedded root
# (qemu:///embed: libvirt's QEMU driver runs inside virsh, no daemon).  It prints what
# libvirt stored: generation 2's USB controller, balloon, tablet and keyboard, and the
# stamp in <metadata>.
#
# usage: build-aux/run-example.sh
#
# Works from a fresh clone on Debian bookworm (run it as root, or with sudo available,
# the first time: packages are installed with apt-get).  The first run builds libvirt
# (a few minutes) and probes the installed emulators (about a minute); later runs take
# seconds.  The embedded root is build/example-root; the stored XML is also kept in
# build/arm01.stored.xml.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
builddir=${VD_BUILDDIR:-build}
example=docs/examples/aarch64-virt-guest.xml
root="$top/$builddir/example-root"

build-aux/fork-build.sh

mkdir -p "$root/etc"
printf 'user = "root"\ngroup = "root"\n' > "$root/etc/qemu.conf"
uri="qemu:///embed?root=$root"

echo "== virsh -c '$uri' define $example" >&2
build-aux/fork-run virsh -q -c "$uri" undefine arm01 >/dev/null 2>&1 || true
build-aux/fork-run virsh -c "$uri" define "$example" >&2
build-aux/fork-run virsh -c "$uri" dumpxml --inactive arm01 | tee "$builddir/arm01.stored.xml"
echo "== what the fork stored is above and in $top/$builddir/arm01.stored.xml" >&2
echo "== the fork's virsh: build-aux/fork-run virsh -c '$uri' ..." >&2
