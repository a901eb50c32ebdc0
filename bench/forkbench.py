#!/usr/bin/python3
"""What the defaults engine costs inside libvirt: the fork against itself with the
engine off, and against stock Debian libvirt 9.0, side by side in one run.

usage: build-aux/fork-run /usr/bin/python3 bench/forkbench.py [--rounds N] [--guests N]

Run through build-aux/fork-run, so that python3-libvirt loads the fork; stock libvirt is
measured in a child process without the fork's library path.  Each configuration gets
its own embedded root (qemu:///embed), whose emulator probes are made once before any
timing.  Two figures:

  define   CPU seconds per virDomainDefineXML of every golden input
           (tests/vdxml2xmldata), best of N rounds, in one process
  start    CPU seconds of opening a connection on a root holding G stored definitions
           (the driver reads every config back: the 'load' context), best of N rounds
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r'''
import glob, os, resource, sys, libvirt
mode, root, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
libvirt.registerErrorHandler(lambda c, e: None, None)
libvirt.virEventRegisterDefaultImpl()

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

if mode == 'define':
    inputs = [open(f).read() for f in sorted(glob.glob(sys.argv[4] + '/*.xml'))]
    c = libvirt.open('qemu:///embed?root=' + root)
    best = None
    for x in inputs:                      # the emulator probes, once, untimed
        try:
            c.defineXML(x).undefine()
        except libvirt.libvirtError:
            pass
    for _ in range(rounds):
        ok = 0
        t = cpu()
        for x in inputs:
            try:
                d = c.defineXML(x)
                d.undefine()
                ok += 1
            except libvirt.libvirtError:
                pass
        t = cpu() - t
        best = t if best is None else min(best, t)
    print(best / len(inputs), ok)
elif mode == 'populate':
    template = open(sys.argv[4]).read()
    template = '\n'.join(l for l in template.splitlines() if '<uuid>' not in l)
    c = libvirt.open('qemu:///embed?root=' + root)
    for i in range(rounds):
        c.defineXML(template.replace('<name>web01</name>', '<name>g%05d</name>' % i))
    print(0, rounds)
else:
    t = cpu()
    c = libvirt.open('qemu:///embed?root=' + root)
    n = len(c.listAllDomains())
    print(cpu() - t, n)
'''


def child(env, *args):
    p = subprocess.run(['/usr/bin/python3', '-c', CHILD] + [str(a) for a in args],
                       capture_output=True, text=True, env=env, timeout=3600)
    if p.returncode != 0:
        sys.exit('forkbench: %s' % p.stderr.strip())
    a, b = p.stdout.split()
    return float(a), int(b)


def make_root(base, name, conf):
    root = os.path.join(base, name)
    os.makedirs(os.path.join(root, 'etc'))
    with open(os.path.join(root, 'etc', 'qemu.conf'), 'w') as f:
        f.write('user = "root"\ngroup = "root"\n' + conf)
    return root


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--guests', type=int, default=1000)
    a = ap.parse_args()
    if 'LIBVIRT_DIR_OVERRIDE' not in os.environ:
        sys.exit('forkbench: run me through build-aux/fork-run')
    fork_env = dict(os.environ)
    stock_env = {k: v for k, v in os.environ.items()
                 if k not in ('LD_LIBRARY_PATH', 'LIBVIRT_DIR_OVERRIDE')}
    inputs = os.path.join(TOP, 'tests', 'vdxml2xmldata')

    with tempfile.TemporaryDirectory() as base:
        configs = [
            ('stock libvirt 9.0', stock_env, ''),
            ('fork, defaults_engine = 0', fork_env, 'defaults_engine = 0\n'),
            ('fork, defaults_engine = 1', fork_env, 'defaults_generation = 1\n'),
        ]
        roots = {}
        for i, (name, env, conf) in enumerate(configs):
            roots[name] = make_root(base, 'root%d' % i, conf)

        print('define: CPU per definition, %d golden inputs, best of %d rounds'
              % (len(glob.glob(inputs + '/*.xml')), a.rounds))
        define = {}
        for name, env, conf in configs:
            define[name], ok = child(env, 'define', roots[name], a.rounds, inputs)
            print('  %-28s %8.1f us   (%d accepted)' % (name, define[name] * 1e6, ok))

        # the stored definitions a daemon start reads back, defined by the fork itself
        src = roots['fork, defaults_engine = 1']
        qdir = os.path.join(src, 'etc', 'qemu')
        child(fork_env, 'populate', src, a.guests,
              os.path.join(TOP, 'docs', 'examples', 'x86-q35-guest.xml'))
        print('start: CPU to read back %d stored definitions, best of %d rounds' %
              (a.guests, a.rounds))
        start = {}
        for name, env, conf in configs:
            dst = os.path.join(roots[name], 'etc', 'qemu')
            if dst != qdir:
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(qdir, dst)
            best = None
            for _ in range(a.rounds):
                t, n = child(env, 'start', roots[name], 1)
                best = t if best is None else min(best, t)
            start[name] = best
            print('  %-28s %8.3f s    (%d domains)' % (name, best, n))

        s, off, on = (x for x, _, _ in configs)
        print('ratios: define fork/stock %.2fx, engine on/off %.2fx; '
              'start fork/stock %.2fx, engine on/off %.2fx'
              % (define[on] / define[s], define[on] / define[off],
                 start[on] / start[s], start[on] / start[off]))


if __name__ == '__main__':
    main()
