#!/usr/bin/python3
"""Scenarios from a guest's life, with the fork's real virsh (TAP).

Each scenario drives the libvirt-defaults fork's own virsh (build-aux/fork-run)
on an embedded root, qemu:///embed?root=DIR, and where generation 1 must equal
stock libvirt 9.0 it asks stock libvirt (Debian's, through python3-libvirt, in
this process) the same question.  The last scenario runs the fork's virtqemud
in a private prefix and points virsh at its socket.

usage: forktest.py [--keep]     (a TAP skip of the whole file when the fork is not built)

Environment: VD_FORK_DIR (default build-fork), VD_FORKTEST_DIR (the work
directory; default build/tests/forktest; emulator probes are cached there).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from lxml import etree

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORK_RUN = os.path.join(TOP, 'build-aux', 'fork-run')
FORK_DIR = os.environ.get('VD_FORK_DIR', os.path.join(TOP, 'build-fork'))
FBUILD = os.path.join(FORK_DIR, 'libvirt', 'build')
WORK = os.environ.get('VD_FORKTEST_DIR', os.path.join(TOP, 'build', 'tests', 'forktest'))
VIRT_DEFAULTS = os.path.join(os.environ.get('VD_BUILDDIR', os.path.join(TOP, 'build')), 'src', 'virt-defaults')
VDNS = 'https://libvirt.org/schemas/libvirt-defaults/1'

results = []


def ok(cond, name, diag=''):
    results.append(bool(cond))
    print(('ok %d - %s' if cond else 'not ok %d - %s') % (len(results), name))
    if not cond and diag:
        for line in str(diag).rstrip().splitlines()[:60]:
            print('# ' + line)
    sys.stdout.flush()
    return cond


def fork(*args, env=None, input=None):
    """Run a program against the fork; returns (rc, stdout, stderr)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([FORK_RUN] + list(args), capture_output=True, text=True, env=e,
                       input=input, timeout=600)
    return p.returncode, p.stdout, p.stderr


class Root:
    """An embedded root for the fork, with a qemu.conf and a log."""

    def __init__(self, name, conf=''):
        self.dir = os.path.join(WORK, name)
        os.makedirs(os.path.join(self.dir, 'etc'), exist_ok=True)
        self.uri = 'qemu:///embed?root=' + self.dir
        self.log = os.path.join(self.dir, 'libvirt.log')
        self.set_conf(conf)

    def set_conf(self, conf):
        with open(os.path.join(self.dir, 'etc', 'qemu.conf'), 'w') as f:
            f.write('user = "root"\ngroup = "root"\n' + conf)

    def virsh(self, *args, env=None, input=None):
        e = {'LIBVIRT_LOG_OUTPUTS': '3:file:' + self.log, 'LIBVIRT_LOG_FILTERS': ''}
        e.update(env or {})
        return fork('virsh', '-q', '-c', self.uri, *args, env=e, input=input)

    def define(self, path, *flags):
        return self.virsh('define', path, *flags)

    def dumpxml(self, name):
        rc, out, err = self.virsh('dumpxml', '--inactive', name)
        return out if rc == 0 else None

    def configfile(self, name):
        return os.path.join(self.dir, 'etc', 'qemu', name + '.xml')

    def warnings(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [ln for ln in f if ': warning : qemuDefaults' in ln]

    def clear_log(self):
        if os.path.exists(self.log):
            os.unlink(self.log)


def stock_define_and_dump(xml, root):
    """What stock libvirt 9.0 stores for @xml: (stored XML, error)."""
    code = r'''
import sys, libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
try:
    d = c.defineXML(sys.stdin.read())
    print(d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), end='')
except libvirt.libvirtError as e:
    print(str(e), file=sys.stderr)
    sys.exit(1)
'''
    return stock_python(code, root, xml)


def stock_reload_dump(name, root):
    """What stock libvirt shows for a config it reads from its config directory."""
    code = r'''
import sys, libvirt
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
print(c.lookupByName(sys.argv[2]).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), end='')
'''
    return stock_python(code, root, '', name)


def stock_python(code, root, stdin, *args):
    os.makedirs(os.path.join(root, 'etc'), exist_ok=True)
    with open(os.path.join(root, 'etc', 'qemu.conf'), 'w') as f:
        f.write('user = "root"\ngroup = "root"\n')
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_LIBRARY_PATH', 'LIBVIRT_DIR_OVERRIDE')}
    p = subprocess.run(['/usr/bin/python3', '-c', code, 'qemu:///embed?root=' + root] +
                       list(args), input=stdin, capture_output=True, text=True, env=env,
                       timeout=600)
    return (p.stdout, None) if p.returncode == 0 else (None, p.stderr.strip())


def parse(xml):
    return etree.fromstring(xml.encode())


def stamp_generation(xml):
    st = parse(xml).find('metadata/{%s}defaults' % VDNS)
    return None if st is None else int(st.get('generation'))


def unstamped(xml):
    """The definition without our stamp, canonical."""
    doc = parse(xml)
    for md in doc.findall('metadata'):
        for ch in list(md):
            if isinstance(ch.tag, str) and (etree.QName(ch).namespace or '') == VDNS:
                md.remove(ch)
        if len(md) == 0:
            doc.remove(md)
    for e in doc.iter():
        if e.text is not None and not e.text.strip():
            e.text = None
        if e.tail is not None and not e.tail.strip():
            e.tail = None
    return etree.tostring(doc, method='c14n').decode()


def restamp(xml, old, new):
    """@xml with its stamp's generation changed by hand from @old to @new."""
    pattern = r'(<vd:defaults [^>]*generation=)(["\'])%d(["\'])' % old
    return re.sub(pattern, lambda m: '%s%s%d%s' % (m.group(1), m.group(2), new, m.group(3)),
                  xml, count=1)


def devices(xml, tag, **attrs):
    out = []
    for d in parse(xml).find('devices'):
        if d.tag == tag and all(d.get(k) == v for k, v in attrs.items()):
            out.append(d)
    return out


def diff(a, b):
    import difflib
    return ''.join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), 'a', 'b'))


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return path


AARCH64 = '''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>1024</memory>
  <os><type arch='aarch64' machine='virt'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/{name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <graphics type='vnc'/>
  </devices>
</domain>
'''

X86 = '''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>1024</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/{name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'><mac address='52:54:00:12:34:56'/></interface>
    <graphics type='vnc'/>
  </devices>
</domain>
'''


def scenario_new_aarch64(root):
    """Generation 2 on aarch64 virt: USB, balloon, tablet and keyboard, stamp."""
    path = write(os.path.join(WORK, 'arm.xml'), AARCH64.format(name='arm'))
    rc, out, err = root.define(path)
    if not ok(rc == 0, 'aarch64 virt: virsh define at the default generation', err):
        return
    xml = root.dumpxml('arm')
    ok(stamp_generation(xml) == 2, 'aarch64 virt: stamped generation 2', xml)
    ok(devices(xml, 'controller', type='usb', model='qemu-xhci'),
       'aarch64 virt: qemu-xhci USB controller', xml)
    ok(devices(xml, 'memballoon', model='virtio'), 'aarch64 virt: virtio balloon', xml)
    ok(devices(xml, 'input', type='tablet', bus='usb') and
       devices(xml, 'input', type='keyboard', bus='usb'),
       'aarch64 virt: USB tablet and keyboard for graphics', xml)
    again = root.dumpxml('arm')
    ok(again == xml, 'aarch64 virt: a new connection changes nothing', diff(xml, again))


def scenario_stock_configs(root, stock):
    """Stock libvirt's unstamped configs read back by the fork: as stock shows them."""
    names = []
    for i, tmpl in enumerate((X86, AARCH64)):
        name = 'stock%d' % i
        stored, err = stock_define_and_dump(tmpl.format(name=name), stock)
        if not ok(stored is not None, '%s: stock libvirt 9.0 defines it' % name, err):
            continue
        shutil.copy(os.path.join(stock, 'etc', 'qemu', name + '.xml'), root.configfile(name))
        names.append(name)
    root.clear_log()
    for name in names:
        fork_view = root.dumpxml(name)
        stock_view, err = stock_reload_dump(name, stock)
        ok(fork_view is not None and fork_view == stock_view,
           '%s: the fork reads stock\'s config exactly as stock does' % name,
           err or diff(stock_view or '', fork_view or ''))
    ok(not root.warnings(), 'stock configs: no warning in the log', ''.join(root.warnings()))
    return names


def scenario_edit_scsi(root, stock, name):
    """virsh edit adding a SCSI disk to a generation-1 guest: only what it needs."""
    before = root.dumpxml(name)
    editor = write(os.path.join(WORK, 'add-scsi.sh'), '''#!/bin/sh
sed -i 's|</devices>|<disk type="file" device="disk"><source file="/var/lib/libvirt/images/s.img"/><target dev="sda" bus="scsi"/></disk></devices>|' "$1"
''')
    os.chmod(editor, 0o755)
    rc, out, err = root.virsh('edit', name, env={'EDITOR': editor, 'VISUAL': editor})
    if not ok(rc == 0, '%s: virsh edit adds a SCSI disk' % name, out + err):
        return
    after = root.dumpxml(name)
    ok(stamp_generation(after) in (None, 1), '%s: still generation 1 after the edit' % name, after)
    ok(devices(after, 'controller', type='scsi'), '%s: a SCSI controller was added' % name, after)
    # what stock libvirt stores for the same edit, from the same stored definition
    edited = before.replace('</devices>', '<disk type="file" device="disk"><source file="/var/lib/libvirt/images/s.img"/><target dev="sda" bus="scsi"/></disk></devices>')
    want, err = stock_define_and_dump(edited, stock)
    ok(want is not None and unstamped(after) == unstamped(want),
       '%s: the edit stores what stock libvirt 9.0 stores' % name,
       err or diff(unstamped(want or '<a/>'), unstamped(after)))
    kept = [d for d in devices(before, 'controller') + devices(before, 'disk')]
    moved = []
    for d in kept:
        a = d.find('address')
        if a is not None and etree.tostring(a) not in {etree.tostring(x) for x in parse(after).iter('address')}:
            moved.append(etree.tostring(d).decode())
    ok(not moved, '%s: nothing the edit did not touch moved' % name, '\n'.join(moved))


def scenario_define_stock_dump(root, stock, name):
    """A stock dump defined over the existing name keeps it generation 1."""
    stock_view, err = stock_reload_dump(name, stock)
    path = write(os.path.join(WORK, name + '-stock-dump.xml'), stock_view or '')
    rc, out, err = root.define(path)
    ok(rc == 0, '%s: virsh define of a stock dump over it' % name, err)
    xml = root.dumpxml(name)
    ok(stamp_generation(xml) in (None, 1), '%s: it stays generation 1' % name, xml)


def scenario_upgrade(root):
    """An explicit upgrade to 2 through the fork; a hand-edited stamp is no upgrade."""
    root.set_conf('defaults_generation = 1\n')
    path = write(os.path.join(WORK, 'armold.xml'), AARCH64.format(name='armold'))
    rc, out, err = root.define(path)
    ok(rc == 0, 'armold: defined at defaults_generation = 1', err)
    root.set_conf('')
    xml = root.dumpxml('armold')
    ok(stamp_generation(xml) == 1 and not devices(xml, 'controller', type='usb', model='qemu-xhci'),
       'armold: generation 1, no USB controller (libvirt 9.0\'s aarch64 default)', xml)

    forged = restamp(xml, 1, 2)
    ok(forged != xml, 'armold: a copy with its stamp hand-edited to generation 2')
    rc, out, err = root.define(write(os.path.join(WORK, 'armold-forged.xml'), forged))
    after = root.dumpxml('armold')
    ok(rc != 0 and stamp_generation(after) == 1 and after == xml,
       'armold: plain virsh define of the forged stamp does not upgrade it', out + err)

    rc, out, err = fork(VIRT_DEFAULTS, '-c', root.uri, 'upgrade', 'armold', '--to', '2', '--yes')
    ok(rc == 0 and '+' in out and 'qemu-xhci' in out,
       'armold: virt-defaults upgrade --to 2 shows the diff and stores it', out + err)
    up = root.dumpxml('armold')
    ok(up is not None and stamp_generation(up) == 2 and
       devices(up, 'controller', type='usb', model='qemu-xhci') and
       devices(up, 'memballoon', model='virtio'),
       'armold: generation 2\'s USB controller and balloon after the upgrade', up)

    down = restamp(up or '', 2, 1)
    rc, out, err = root.define(write(os.path.join(WORK, 'armold-down.xml'), down),
                                 '--upgrade-defaults')
    ok(rc != 0 and stamp_generation(root.dumpxml('armold')) == 2,
       'armold: a downgrade through --upgrade-defaults is refused', out + err)


def scenario_refusal(root):
    """A definition the engine refuses: libvirt's error carries its sentence, and
    nothing is stored."""
    bad = X86.format(name='refused').replace(
        "machine='q35'", "machine='q35'").replace(
        "<target dev='vda' bus='virtio'/>", "<target dev='hda' bus='ide'/>")
    rc, out, err = root.define(write(os.path.join(WORK, 'refused.xml'), bad))
    ok(rc != 0 and 'unsupported configuration' in err and 'IDE' in err,
       'refused: an IDE disk on q35 is refused with the engine\'s sentence', out + err)
    ok(not os.path.exists(root.configfile('refused')) and root.dumpxml('refused') is None,
       'refused: nothing is stored')


def scenario_explicit_upgrade_virsh(root):
    """virsh define --upgrade-defaults of a generation-1 guest's own dump."""
    root.set_conf('defaults_generation = 1\n')
    rc, out, err = root.define(write(os.path.join(WORK, 'armv.xml'), AARCH64.format(name='armv')))
    root.set_conf('')
    dump = root.dumpxml('armv')
    ok(rc == 0 and stamp_generation(dump) == 1, 'armv: defined at generation 1', err)
    rc, out, err = root.define(write(os.path.join(WORK, 'armv-dump.xml'), dump or ''))
    ok(rc == 0 and stamp_generation(root.dumpxml('armv')) == 1,
       'armv: its own dump defined again stays generation 1', err)
    rc, out, err = root.define(os.path.join(WORK, 'armv-dump.xml'), '--upgrade-defaults')
    up = root.dumpxml('armv')
    ok(rc == 0 and stamp_generation(up) == 2 and
       devices(up or '<a/>', 'controller', type='usb', model='qemu-xhci'),
       'armv: virsh define --upgrade-defaults moves it to generation 2', err + (up or ''))


def scenario_snapshot_restore(root):
    """A snapshot's saved definition is restored, not completed: one stamped with an
    unknown generation is refused by name."""
    xml = root.dumpxml('armv')
    if not ok(xml is not None, 'snapshot: a guest to snapshot'):
        return
    for gen, name in ((2, 'snap2'), (99, 'snap99')):
        dom = restamp(xml, 2, gen)
        dom = re.sub(r'^<\?xml[^>]*>', '', dom)
        snap = ('<domainsnapshot><name>%s</name><state>shutoff</state>'
                '<creationTime>1700000000</creationTime>%s</domainsnapshot>' % (name, dom))
        path = write(os.path.join(WORK, name + '.xml'), snap)
        rc, out, err = root.virsh('snapshot-create', 'armv', path, '--redefine')
        if gen == 2:
            ok(rc == 0, 'snapshot: a snapshot of a generation-2 definition is kept', out + err)
        else:
            ok(rc != 0 and '99' in err and 'restore' in err,
               'snapshot: a snapshot stamped with generation 99 is refused naming it', out + err)


def scenario_bad_setting(root):
    """defaults_generation naming a generation this build does not know: defines are
    refused naming it, and the guests already there still load."""
    root.set_conf('defaults_generation = 42\n')
    rc, out, err = root.define(write(os.path.join(WORK, 'g42.xml'), AARCH64.format(name='g42')))
    ok(rc != 0 and '42' in err and not os.path.exists(root.configfile('g42')),
       'defaults_generation = 42: a define is refused naming it', out + err)
    rc, out, err = root.virsh('list', '--all', '--name')
    ok(rc == 0 and 'arm' in out.split(), 'defaults_generation = 42: stored guests still load',
       out + err)
    root.set_conf('')


def scenario_unknown_generation(root):
    """A definition stamped by a newer build loads unchanged, with one warning."""
    xml = root.dumpxml('arm')
    if not ok(xml is not None, 'gen99: a stamped definition to start from'):
        return
    future = restamp(xml, 2, 99)
    write(root.configfile('arm'), future)
    root.clear_log()
    now = root.dumpxml('arm')
    ok(now is not None and unstamped(now) == unstamped(future) and stamp_generation(now) == 99,
       'gen99: it loads unchanged', diff(future, now or ''))
    w = root.warnings()
    ok(len(w) == 1 and '99' in w[0], 'gen99: one warning naming the generation', ''.join(w))
    write(root.configfile('arm'), xml)


def scenario_daemon(prefix_root):
    """The fork's virtqemud in a private prefix, virsh -c at its socket."""
    prefix = os.path.join(FORK_DIR, 'prefix')
    sock = os.path.join(prefix, 'var', 'run', 'libvirt', 'virtqemud-sock')
    confdir = os.path.join(prefix, 'etc', 'libvirt')
    os.makedirs(os.path.join(confdir, 'qemu'), exist_ok=True)
    for f in os.listdir(os.path.join(confdir, 'qemu')):
        if f.endswith('.xml'):
            os.unlink(os.path.join(confdir, 'qemu', f))
    with open(os.path.join(confdir, 'qemu.conf'), 'w') as f:
        f.write('user = "root"\ngroup = "root"\n')
    # the emulator probes of the embedded root are valid for the daemon too
    cache = os.path.join(prefix, 'var', 'cache', 'libvirt', 'qemu', 'capabilities')
    src = os.path.join(prefix_root.dir, 'cache', 'qemu', 'capabilities')
    if os.path.isdir(src) and not os.path.isdir(cache):
        shutil.copytree(src, cache)
    log = os.path.join(WORK, 'virtqemud.log')
    uri = 'qemu+unix:///system?socket=' + sock

    def start():
        env = dict(os.environ, LIBVIRT_LOG_OUTPUTS='3:file:' + log)
        p = subprocess.Popen([FORK_RUN, 'virtqemud', '--timeout', '120'], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        for _ in range(600):
            if os.path.exists(sock):
                rc, out, err = fork('virsh', '-c', uri, 'uri')
                if rc == 0:
                    return p
            time.sleep(0.2)
        return p

    def stop(p):
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(p.pid, signal.SIGKILL)

    p = start()
    try:
        path = write(os.path.join(WORK, 'armd.xml'), AARCH64.format(name='armd'))
        rc, out, err = fork('virsh', '-c', uri, 'define', path)
        ok(rc == 0, 'daemon: virsh -c at virtqemud\'s socket defines an aarch64 guest', err)
        rc, xml, err = fork('virsh', '-c', uri, 'dumpxml', '--inactive', 'armd')
        ok(rc == 0 and stamp_generation(xml) == 2 and
           devices(xml, 'controller', type='usb', model='qemu-xhci'),
           'daemon: generation 2 with qemu-xhci', xml + err)
    finally:
        stop(p)
    p = start()
    try:
        rc, again, err = fork('virsh', '-c', uri, 'dumpxml', '--inactive', 'armd')
        ok(rc == 0 and again == xml, 'daemon: a daemon restart changes nothing',
           err + diff(xml, again))
    finally:
        stop(p)


def main():
    if not os.path.exists(os.path.join(FBUILD, 'tools', 'virsh')):
        print('1..0 # SKIP the fork is not built (build-aux/fork-build.sh)')
        return 0
    os.makedirs(WORK, exist_ok=True)
    root = Root('root')
    stock = os.path.join(WORK, 'stock')
    for d in (os.path.join(root.dir, 'etc', 'qemu'), os.path.join(stock, 'etc', 'qemu')):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    scenario_new_aarch64(root)
    names = scenario_stock_configs(root, stock)
    if names:
        scenario_edit_scsi(root, stock, names[0])
        scenario_define_stock_dump(root, stock, names[1] if len(names) > 1 else names[0])
    scenario_upgrade(root)
    scenario_refusal(root)
    scenario_explicit_upgrade_virsh(root)
    scenario_snapshot_restore(root)
    scenario_bad_setting(root)
    scenario_unknown_generation(root)
    scenario_daemon(root)

    print('1..%d' % len(results))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
