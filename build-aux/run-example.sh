#!/bin/bash
# The newcomer's first command: install what is missing, build, and complete the example
# guest docs/examples/x86-q35-guest.xml with generation 1 (libvirt 9.0's defaults).
#
# usage: build-aux/run-example.sh
#
# Works from a fresh clone on Debian bookworm (run it as root, or with sudo available, the
# first time: build-aux/install-deps.sh installs packages with apt-get). The build tree is
# ./build (VD_BUILDDIR overrides it); the completed XML is printed on stdout and kept in
# BUILDDIR/x86-q35-guest.completed.xml.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
builddir=${VD_BUILDDIR:-build}
example=docs/examples/x86-q35-guest.xml

build-aux/install-deps.sh

if [ -f "$builddir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$builddir"
else
    meson setup "$builddir"
fi
ninja -C "$builddir"

out="$builddir/x86-q35-guest.completed.xml"
echo "== virt-defaults apply --generation 1 $example" >&2
"$builddir/src/virt-defaults" apply --generation 1 "$example" > "$out"
cat "$out"
echo "== the program is $top/$builddir/src/virt-defaults" >&2
echo "== the completed definition (above) is in $top/$out" >&2
