#!/usr/bin/python3
"""What the defaults engine costs inside libvirt, side by side in one run: stock Debian
libvirt 9.0, the fork with defaults_engine = 0 and the fork with defaults_engine = 1.

usage: bench/forkbench.py [--count N] [--rounds N] [--define-rounds N]
                          [--fork-build DIR] [--engine-lib DIR] [--json FILE]

It never builds anything: it copies the fork's libraries from --fork-build (its libvirt
build directory) and the engine library from --engine-lib once, at the start, and loads
those copies (LD_LIBRARY_PATH, LIBVIRT_DRIVER_DIR), so that a rebuild during the run
cannot mix builds.  Stock libvirt is the system's python3-libvirt and libvirt.so.  Each
configuration runs in its own child process on its own embedded root (qemu:///embed),
whose emulator probes are made before any timing.

  define   CPU per virDomainDefineXML of every golden input that all three accept,
           renamed and given a new UUID (undefine is not timed); median of N rounds
  start    CPU of opening the driver on a root holding --count stored definitions,
           made from the same inputs; the driver reads every config back (the fork's
           'load' context) before the open returns; median of N rounds
  loads    build/bench/vdloadbench on the stored definitions: the library's load
           context alone, 10,000 loads per kind of stored definition

The rounds are interleaved: every configuration runs once per round, so that a burst of
load on the machine spoils one round of each rather than every round of one; a ratio to
stock is the median over rounds of the two figures of the same round.
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = 1.10            # issue 9: the fork at most 1.10x stock, define and start

CHILD = r'''
import json, os, re, sys, time, uuid, libvirt
mode, root, listfile = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
libvirt.registerErrorHandler(lambda c, e: None, None)
libvirt.virEventRegisterDefaultImpl()
NS = uuid.UUID('6d1f5a52-8c1e-4b7a-9d3e-0f6c2b9a4e11')

def renamed(text, i):
    """the input as the i-th stored guest: its own name and UUID"""
    text = re.sub(r'<name>[^<]*</name>', '<name>g%05d</name>' % i, text, count=1)
    return re.sub(r'<uuid>[^<]*</uuid>', '<uuid>%s</uuid>' % uuid.uuid5(NS, str(i)),
                  text, count=1)

def libraries():
    with open('/proc/self/maps') as f:
        paths = {l.split()[-1] for l in f if '/' in l}
    return sorted(p for p in paths
                  if re.search(r'/libvirt(-defaults)?\.so|libvirt_driver_qemu', p))

def opened():
    return libvirt.open('qemu:///embed?root=' + root)

if mode == 'start':
    cpu, wall = time.process_time(), time.perf_counter()
    c = opened()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = c.numOfDomains() + c.numOfDefinedDomains()
    print(json.dumps({'cpu': cpu, 'wall': wall, 'domains': n}))
    sys.exit(0)

inputs = [open(f).read() for f in json.load(open(listfile))]
c = opened()
if mode == 'probe':                   # the emulator probes, and which inputs are accepted
    ok = []
    for i, x in enumerate(inputs):
        try:
            c.defineXML(renamed(x, i)).undefine()
            ok.append(i)
        except libvirt.libvirtError:
            pass
    print(json.dumps({'accepted': ok, 'libraries': libraries()}))
elif mode == 'define':
    for i, x in enumerate(inputs):    # loads every emulator's capabilities, untimed
        c.defineXML(renamed(x, i)).undefine()
    cpu = 0.0
    for i, x in enumerate(inputs):
        x = renamed(x, i)
        t = time.process_time()
        d = c.defineXML(x)
        cpu += time.process_time() - t
        d.undefine()
    print(json.dumps({'cpu': cpu / len(inputs)}))
elif mode == 'populate':
    for i in range(count):
        c.defineXML(renamed(inputs[i % len(inputs)], i))
    print(json.dumps({'defined': count}))
'''


class Config:
    def __init__(self, key, name, env, conf):
        self.key, self.name, self.env, self.conf = key, name, env, conf


def child(cfg, mode, root, inputs=None, count=0, base=None):
    listfile = os.path.join(base or root, 'inputs.json')
    if inputs is not None:
        with open(listfile, 'w') as f:
            json.dump(inputs, f)
    p = subprocess.run(['/usr/bin/python3', '-c', CHILD, mode, root, listfile, str(count)],
                       capture_output=True, text=True, env=cfg.env, timeout=3600)
    if p.returncode != 0:
        sys.exit('forkbench: %s, %s: %s' % (cfg.name, mode, p.stderr.strip()))
    return json.loads(p.stdout)


def make_root(base, name, cfg, cache_from=None, configs_from=None):
    """an embedded root for @cfg; optionally with another root's capabilities cache
    (so that it probes nothing) and stored definitions"""
    root = os.path.join(base, name)
    os.makedirs(os.path.join(root, 'etc'))
    with open(os.path.join(root, 'etc', 'qemu.conf'), 'w') as f:
        f.write('user = "root"\ngroup = "root"\n' + cfg.conf)
    if cache_from:
        shutil.copytree(os.path.join(cache_from, 'cache'), os.path.join(root, 'cache'))
    if configs_from:
        shutil.copytree(os.path.join(configs_from, 'etc', 'qemu'),
                        os.path.join(root, 'etc', 'qemu'))
    return root


def configs(a, lib):
    stock_env = {k: v for k, v in os.environ.items()
                 if k not in ('LD_LIBRARY_PATH', 'LIBVIRT_DIR_OVERRIDE', 'LIBVIRT_DRIVER_DIR')}
    fork_env = dict(stock_env, LD_LIBRARY_PATH=lib, LIBVIRT_DRIVER_DIR=lib)
    # the rest libvirt reads at run time (CPU map, schemas) from the fork's tree
    fork_env['LIBVIRT_DIR_OVERRIDE'] = '1'
    gen = 'defaults_generation = %d\n' % a.generation if a.generation else ''
    return [Config('stock', 'stock libvirt 9.0', stock_env, ''),
            Config('off', 'fork, defaults_engine = 0', fork_env, 'defaults_engine = 0\n'),
            Config('on', 'fork, defaults_engine = 1', fork_env, 'defaults_engine = 1\n' + gen)]


def snapshot(a, lib):
    """copies the fork's libraries and the engine to @lib, so that a rebuild during the
    run cannot mix two builds in one measurement; returns what it copied"""
    os.makedirs(lib)
    copied = []
    for path in (os.path.join(a.fork_build, 'src', 'libvirt.so.0'),
                 os.path.join(a.fork_build, 'src', 'libvirt-qemu.so.0'),
                 os.path.join(a.fork_build, 'src', 'libvirt_driver_qemu.so'),
                 os.path.join(a.engine_lib, 'libvirt-defaults.so.0')):
        if not os.path.exists(path):
            sys.exit('forkbench: no %s (this script builds nothing: build it first)' % path)
        for _ in range(10):
            before = os.stat(path).st_mtime_ns
            shutil.copyfile(path, os.path.join(lib, os.path.basename(path)))
            if os.stat(path).st_mtime_ns == before and time.time() - before / 1e9 > 5:
                break
            time.sleep(10)        # being rebuilt: wait until it stays put
        else:
            sys.exit('forkbench: %s keeps changing' % path)
        copied.append('%s (%s)' % (os.path.realpath(path), time.strftime(
            '%Y-%m-%d %H:%M:%S', time.localtime(before / 1e9))))
    return copied


def verdict(ratio):
    return 'met' if ratio <= TARGET else 'MISSED'


def probe(cfgs, roots, inputs, base):
    """probes every emulator for each configuration; returns the inputs all accept"""
    common = set(range(len(inputs)))
    for cfg in cfgs:
        if cfg.key == 'on':       # the same binaries as 'off': its probes serve
            shutil.copytree(os.path.join(roots['off'], 'cache'),
                            os.path.join(roots['on'], 'cache'))
        r = child(cfg, 'probe', roots[cfg.key], inputs, base=base)
        common &= set(r['accepted'])
        print('  %-28s %3d of %d inputs accepted; %s'
              % (cfg.name, len(r['accepted']), len(inputs), ', '.join(r['libraries'])))
    return [inputs[i] for i in sorted(common)]


def paired_ratio(samples, key):
    """the median over rounds of @key's time over stock's in the same round: rounds run
    close together, so this cancels much of the load other processes put on the machine
    over a run"""
    return statistics.median(x / y for x, y in zip(samples[key], samples['stock']))


def bench_define(a, cfgs, roots, inputs, base, out):
    print('define: CPU per virDomainDefineXML, %d inputs, median of %d interleaved rounds'
          % (len(inputs), a.define_rounds))
    samples = {cfg.key: [] for cfg in cfgs}
    for _ in range(a.define_rounds):
        for cfg in cfgs:
            samples[cfg.key].append(child(cfg, 'define', roots[cfg.key], inputs,
                                          base=base)['cpu'])
    print('  %-28s %8s %8s  %s' % ('', 'us', 'best us', 'fork/stock (median of rounds)'))
    for cfg in cfgs:
        tail = ''
        if cfg.key != 'stock':
            ratio = paired_ratio(samples, cfg.key)
            tail = '%.2fx: target <= %.2fx %s' % (ratio, TARGET, verdict(ratio))
        print('  %-28s %8.1f %8.1f  %s' % (cfg.name, statistics.median(samples[cfg.key]) * 1e6,
                                           min(samples[cfg.key]) * 1e6, tail))
        out['define'][cfg.key] = {'us': statistics.median(samples[cfg.key]) * 1e6,
                                  'samples_us': [t * 1e6 for t in samples[cfg.key]]}


def populate(a, cfgs, roots, inputs, base):
    """the stored definitions: stock's written by stock libvirt, the fork's by the fork
    with the engine on (complete and stamped), each from the same renamed inputs"""
    by = {cfg.key: cfg for cfg in cfgs}
    for key in ('stock', 'on'):
        t = time.perf_counter()
        child(by[key], 'populate', roots[key], inputs, a.count, base=base)
        print('  %-28s defined %d guests in %.0f s'
              % (by[key].name, a.count, time.perf_counter() - t))
    # the rows of the start table: (label, configuration, root, root without definitions)
    empty = {cfg.key: make_root(base, 'empty-' + cfg.key, cfg, cache_from=roots[cfg.key])
             for cfg in cfgs}
    off = make_root(base, 'start-off', by['off'], cache_from=roots['off'],
                    configs_from=roots['stock'])
    on_stock = make_root(base, 'start-on-stock', by['on'], cache_from=roots['on'],
                         configs_from=roots['stock'])
    return [('stock', 'stock libvirt 9.0, its files', by['stock'], roots['stock'],
             empty['stock']),
            ('off', 'fork, engine 0, stock\'s files', by['off'], off, empty['off']),
            ('on', 'fork, engine 1, its files', by['on'], roots['on'], empty['on']),
            ('on-stock', 'fork, engine 1, stock\'s files', by['on'], on_stock,
             empty['on'])]


def start_rounds(a, rows):
    samples = {key: {'cpu': [], 'wall': [], 'empty': [], 'domains': []}
               for key, _, _, _, _ in rows}
    for _ in range(a.rounds):
        for key, _, cfg, root, empty in rows:
            r = child(cfg, 'start', root, base=root)
            for k in ('cpu', 'wall', 'domains'):
                samples[key][k].append(r[k])
            samples[key]['empty'].append(child(cfg, 'start', empty, base=empty)['cpu'])
    return samples


def bench_start(a, rows, out):
    print('start: CPU of opening the driver on %d stored definitions, median of %d '
          'interleaved rounds' % (a.count, a.rounds))
    samples = start_rounds(a, rows)
    cpu = {key: s['cpu'] for key, s in samples.items()}
    print('  %-31s %7s %7s %7s %7s %7s %6s  %s' % ('', 'cpu s', 'best s', 'wall s', 'empty s',
                                                 'us/def', 'guests', 'fork/stock'))
    for key, label, _, _, _ in rows:
        m = {k: statistics.median(v) for k, v in samples[key].items()}
        tail = ''
        if key != 'stock':
            ratio = paired_ratio(cpu, key)
            tail = '%.2fx' % ratio
            if key in ('off', 'on'):
                tail += ': target <= %.2fx %s' % (TARGET, verdict(ratio))
        print('  %-31s %7.3f %7.3f %7.3f %7.3f %7.1f %6d  %s'
              % (label, m['cpu'], min(cpu[key]), m['wall'], m['empty'],
                 (m['cpu'] - m['empty']) / a.count * 1e6, min(samples[key]['domains']), tail))
        out['start'][key] = dict(m, samples=samples[key])


def bench_loads(a, roots, lib, out):
    if not os.access(a.loadbench, os.X_OK):
        print('loads: no %s (ninja -C build), skipped' % a.loadbench)
        return
    env = dict(os.environ, LD_LIBRARY_PATH=lib)
    cmd = [a.loadbench, '--count', '10000', '--rounds', str(a.rounds),
           'stock=' + os.path.join(roots['stock'], 'etc', 'qemu'),
           'fork=' + os.path.join(roots['on'], 'etc', 'qemu')]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if p.returncode != 0:
        sys.exit('forkbench: vdloadbench: %s' % p.stderr.strip())
    print('loads: ' + p.stdout.rstrip())
    out['loads'] = p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--count', type=int, default=10000,
                    help='stored definitions a start reads back (10000)')
    ap.add_argument('--rounds', type=int, default=5,
                    help='interleaved rounds of start, and of vdloadbench (5)')
    ap.add_argument('--define-rounds', type=int, default=7,
                    help='interleaved rounds of define (7)')
    ap.add_argument('--fork-build', default='/work/main/build-fork/libvirt/build',
                    help="the fork's libvirt build directory")
    ap.add_argument('--engine-lib', default='/work/main/build/src',
                    help='the directory holding the libvirt-defaults.so.0 to use')
    ap.add_argument('--loadbench', default=os.path.join(TOP, 'build', 'bench', 'vdloadbench'))
    ap.add_argument('--inputs', default=os.path.join(TOP, 'tests', 'vdxml2xmldata'))
    ap.add_argument('--generation', type=int, default=1,
                    help='defaults_generation with the engine on (1; 0: leave it unset)')
    ap.add_argument('--json', help='also write every figure to this file')
    a = ap.parse_args()
    a.fork_build, a.engine_lib = os.path.abspath(a.fork_build), os.path.abspath(a.engine_lib)
    began = time.perf_counter()
    inputs = sorted(glob.glob(os.path.join(a.inputs, '*.xml')))
    out = {'count': a.count, 'rounds': a.rounds, 'define_rounds': a.define_rounds,
           'define': {}, 'start': {}}

    with tempfile.TemporaryDirectory(prefix='forkbench-') as base:
        lib = os.path.join(base, 'lib')
        out['builds'] = snapshot(a, lib)
        print('fork and engine, copied from: ' + '\n    '.join([''] + out['builds']))
        cfgs = configs(a, lib)
        roots = {cfg.key: make_root(base, 'root-' + cfg.key, cfg) for cfg in cfgs}
        print('probe: %d inputs in %s, renamed and given new UUIDs' % (len(inputs), a.inputs))
        inputs = probe(cfgs, roots, inputs, base)
        out['inputs'] = [os.path.basename(x) for x in inputs]
        bench_define(a, cfgs, roots, inputs, base, out)
        print('populate: %d stored definitions from the %d inputs' % (a.count, len(inputs)))
        rows = populate(a, cfgs, roots, inputs, base)
        bench_start(a, rows, out)
        bench_loads(a, roots, lib, out)
    print('forkbench: %.0f s in all' % (time.perf_counter() - began))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
