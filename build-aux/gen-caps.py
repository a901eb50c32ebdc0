#!/usr/bin/python3
"""Write a capability profile of the QEMU emulators that real libvirt sees.

usage: gen-caps.py --root DIR > src/defaults/caps/qemu-7.2.xml

Asks libvirt (embedded QEMU driver rooted at DIR) for its host capabilities and keeps,
for every architecture the defaults table covers, the emulator binary and each machine
type with its alias and vCPU limit.  The first machine libvirt lists for an architecture
is the one it picks when a definition names none.

From the capabilities libvirt cached for each emulator binary while answering
(DIR/cache/qemu/capabilities/*.xml, libvirt's <qemuCaps>), it adds what the defaults
consult besides machines: the QEMU version, libvirt's capability flags, the emulated
GIC versions, and per machine the default CPU model and whether it is QEMU's default.
"""
import argparse
import os
import sys

import libvirt
from lxml import etree

ARCHES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'armv6l', 'riscv64', 'riscv32', 'ppc64', 'ppc64le', 's390x']


def qemu_caps(root):
    """libvirt's cached <qemuCaps>, by emulator binary"""
    out = {}
    capdir = os.path.join(root, 'cache', 'qemu', 'capabilities')
    for name in sorted(os.listdir(capdir)) if os.path.isdir(capdir) else []:
        if name.endswith('.xml'):
            doc = etree.parse(os.path.join(capdir, name)).getroot()
            out[doc.findtext('emulator')] = doc
    return out


def add_qemu_caps(ae, qc):
    """version, flags, GICs and machine details of one emulator's <qemuCaps>"""
    ae.set('version', qc.findtext('version').strip())
    tcg = {m.get('name'): m for m in qc.findall('machine') if m.get('type') == 'tcg'}
    for me in ae.findall('machine'):
        m = tcg.get(me.get('name'))
        if m is None:
            continue
        if m.get('defaultCPU'):
            me.set('defaultCPU', m.get('defaultCPU'))
        if m.get('default') == 'yes':
            me.set('default', 'yes')
    for g in qc.findall('gic'):
        if g.get('emulated') == 'yes':
            etree.SubElement(ae, 'gic', version=g.get('version'))
    for f in sorted(f.get('name') for f in qc.findall('flag')):
        etree.SubElement(ae, 'flag', name=f)


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
    cached = qemu_caps(os.path.abspath(a.root))
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
        qc = cached.get(arch.findtext('emulator'))
        if qc is not None:
            add_qemu_caps(ae, qc)
    sys.stdout.write(etree.tostring(out, pretty_print=True, encoding='unicode').replace('"', "'"))


if __name__ == '__main__':
    main()
