#!/usr/bin/python3
"""Measure the guard against real libvirt on a corpus (issue 4's figures).

usage: guard-metrics.py --corpus DIR [--corpus DIR...] [--oracle-root DIR] [--show N] -- BIN

For every input the oracle accepted (expected/NAME.xml exists):
  stored  = BIN apply --generation 1 INPUT            (a generation-1 definition)
  load    = BIN apply --context load stored            with generation 2 current:
            must come back byte-identical and without warnings
  upgrade = BIN apply --context upgrade --generation 2 stored
  fresh   = BIN apply --generation 2 INPUT
            upgrade and fresh are compared at L2 (devices, models, addresses)
  fresh is then defined into real libvirt 9.0 (lvoracle.py); what libvirt stores
  must have the same devices and addresses (L2): libvirt adds and moves nothing.
"""
import argparse, glob, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', action='append', required=True)
    ap.add_argument('--oracle-dir', default=os.environ.get('VD_ORACLE_DIR', os.path.join(HERE, '..', '..', 'shared', 'oracle')))
    ap.add_argument('--oracle-root', default=os.path.expanduser('~/.cache/lvoracle-guard'))
    ap.add_argument('--show', type=int, default=0)
    ap.add_argument('--no-libvirt', action='store_true', help='skip defining generation-2 outputs into libvirt')
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ['--'] else a.cmd
    sys.path.insert(0, a.oracle_dir)
    import devcmp

    def run(args, inp):
        p = subprocess.run(cmd + args + [inp], capture_output=True)
        return p.returncode, p.stdout, p.stderr

    tmp = tempfile.mkdtemp(prefix='vd-guard-')
    os.makedirs(os.path.join(tmp, 'gen2'))
    n = load_ok = up_ok = 0
    shown = 0
    fresh_files = []
    for c in a.corpus:
        for inp in sorted(glob.glob(os.path.join(c, 'inputs', '*.xml'))):
            base = os.path.basename(inp)[:-4]
            if not os.path.exists(os.path.join(c, 'expected', base + '.xml')):
                continue
            rc, stored, _ = run(['apply', '--generation', '1'], inp)
            if rc != 0:
                continue
            n += 1
            sp = os.path.join(tmp, base + '.gen1.xml')
            open(sp, 'wb').write(stored)
            rc, loaded, err = run(['apply', '--context', 'load'], sp)
            if rc == 0 and loaded == stored and not err:
                load_ok += 1
            elif shown < a.show:
                shown += 1
                print(f'--- load changed {base}: rc={rc} {err.decode()[:300]}')
            rc1, up, e1 = run(['apply', '--context', 'upgrade', '--generation', '2'], sp)
            rc2, fresh, e2 = run(['apply', '--generation', '2'], inp)
            if rc2 == 0:
                fp = os.path.join(tmp, 'gen2', base + '.xml')
                open(fp, 'wb').write(fresh)
                fresh_files.append((base, fp))
            if rc1 == 0 and rc2 == 0:
                m, x = devcmp.compare(devcmp.parse(fresh), devcmp.parse(up), 2, True)
                if not m and not x:
                    up_ok += 1
                elif shown < a.show:
                    shown += 1
                    print(f'--- upgrade differs from fresh {base}:')
                    for k in list(m)[:4]:
                        print('   fresh only:  ', k[:220])
                    for k in list(x)[:4]:
                        print('   upgrade only:', k[:220])
            elif shown < a.show:
                shown += 1
                print(f'--- {base}: upgrade rc={rc1} {e1.decode()[:200]} fresh rc={rc2} {e2.decode()[:200]}')

    pct = lambda x, d: f'{100.0 * x / d:.1f}%' if d else 'n/a'
    print(f'cases {n}')
    print(f'load of generation-1 definitions under generation 2 byte-identical: {pct(load_ok, n)} ({load_ok}/{n})')
    print(f'upgrade to 2 equals a fresh generation-2 define at L2: {pct(up_ok, n)} ({up_ok}/{n})')
    if a.no_libvirt:
        return
    out = os.path.join(tmp, 'libvirt')
    subprocess.run(['/usr/bin/python3', os.path.join(a.oracle_dir, 'lvoracle.py'), '--root', a.oracle_root,
                    '--out', out] + [fp for _, fp in fresh_files], capture_output=True)
    same = 0
    for base, fp in fresh_files:
        lv = os.path.join(out, base + '.xml')
        if not os.path.exists(lv):
            if shown < a.show:
                shown += 1
                errf = os.path.join(out, base + '.err')
                print(f'--- libvirt refused generation-2 {base}: {open(errf).read()[:200] if os.path.exists(errf) else "?"}')
            continue
        m, x = devcmp.compare(devcmp.parse(fp), devcmp.parse(lv), 2, True)
        if not m and not x:
            same += 1
        elif shown < a.show:
            shown += 1
            print(f'--- libvirt changed generation-2 {base}:')
            for k in list(m)[:4]:
                print('   ours only:   ', k[:220])
            for k in list(x)[:4]:
                print('   libvirt only:', k[:220])
    print(f'generation-2 outputs kept as they are by libvirt 9.0 at L2: {pct(same, len(fresh_files))} ({same}/{len(fresh_files)})')


if __name__ == '__main__':
    main()
