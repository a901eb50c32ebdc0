#!/usr/bin/python3
"""Write a capability profile of the QEMU emulators that real libvirt sees.

usage: gen-caps.py --root DIR > src/defaults/caps/qemu-7.2.xml

Asks libvirt (embedded QEMU driver rooted at DIR) for its host capabilities and keeps,
for every architecture the defaults table covers, the emulator binary and each machine
type with its alias and vCPU limit.  The first machine libvirt lists for an architecture
is the one it picks when a definition names none.
"""
import argparse
import os
import sys

import libvirt
from lxml import etree

ARCHES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'armv6l', 'riscv64', 'riscv32', 'ppc64', 'ppc64le', 's390x']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    a = ap.parse_args()
    libvirt.registerErrorHandler(lambda *x: None, None)
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open('qemu:///embed?root=' + os.path.abspath(a.root))
    caps = etree.fromstring(conn.getCapabilities().encode())
    v = conn.getVersion()
    lv = libvirt.getVersion()
    out = etree.Element('capabilities', emulator='qemu',
                        version=f'{v // 1000000}.{v // 1000 % 1000}.{v % 1000}',
                        libvirt=f'{lv // 1000000}.{lv // 1000 % 1000}.{lv % 1000}')
    for guest in caps.findall('guest'):
        if guest.findtext('os_type') != 'hvm':
            continue
        arch = guest.find('arch')
        if arch.get('name') not in ARCHES:
            continue
        machines = arch.findall('machine')
        ae = etree.SubElement(out, 'arch', name=arch.get('name'),
                              emulator=arch.findtext('emulator'))
        canon = {m.text: m.get('canonical') for m in machines if m.get('canonical')}
        aliases = {v: k for k, v in canon.items()}
        for m in machines:
            if m.text in canon:
                continue
            me = etree.SubElement(ae, 'machine', name=m.text, maxCpus=m.get('maxCpus', '1'))
            if m.text in aliases:
                me.set('alias', aliases[m.text])
    sys.stdout.write(etree.tostring(out, pretty_print=True, encoding='unicode').replace('"', "'"))


if __name__ == '__main__':
    main()
