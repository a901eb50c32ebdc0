#!/usr/bin/env python3
"""procbench: virt-defaults as a whole process, beside xmllint.

`virt-defaults apply FILE` and `xmllint --format FILE` are run as processes, N times each,
round-robin over the inputs and the programs so that a burst of load on the machine
spoils one run of each rather than all runs of one; the median wall time and the median
CPU time (user + system, from wait4) of each are printed, with the ratio to xmllint.
With --before, a second virt-defaults (e.g. built from an older commit) is measured in the
same run, and its output is checked to be byte for byte the same.

usage: bench/procbench.py [--vd PATH] [--before PATH] [--runs N] [--xmllint PATH]
                          [--time-table-load] [FILE...]

Without FILE it measures the inputs of bench/README.rst: the minimal x86_64 q35 and the
aarch64 many-devices guests of tests/vdxml2xmldata, and a generated x86_64 q35 guest with
200 virtio disks.  See bench/README.rst, "procbench".
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INPUTS = [
    os.path.join(TOP, 'tests', 'vdxml2xmldata', 'x86_64-q35-minimal.xml'),
    os.path.join(TOP, 'tests', 'vdxml2xmldata', 'aarch64-virt-many-devices.xml'),
]


def disk_name(i):
    """vda ... vdz, vdaa ...: the target names libvirt expects."""
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(ord('a') + r) + s
    return 'vd' + s


def generated_guest(ndisks):
    """An x86_64 q35 guest with NDISKS virtio disks, a NIC and VNC: the rest is defaults."""
    disks = ''.join(
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='qcow2'/>\n"
        f"      <source file='/var/lib/libvirt/images/d{i}.qcow2'/>\n"
        f"      <target dev='{disk_name(i)}' bus='virtio'/>\n"
        "    </disk>\n" for i in range(ndisks))
    return ("<domain type='kvm'>\n"
            f"  <name>q35-{ndisks}disk</name>\n"
            "  <memory unit='KiB'>1048576</memory>\n"
            "  <vcpu>2</vcpu>\n"
            "  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n"
            "  <devices>\n"
            "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
            f"{disks}"
            "    <interface type='network'>\n      <source network='default'/>\n"
            "      <model type='virtio'/>\n    </interface>\n"
            "    <graphics type='vnc'/>\n"
            "  </devices>\n"
            "</domain>\n")


def run_once(argv):
    """Wall and CPU seconds of one run of ARGV, its output to /dev/null."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f'procbench: {" ".join(argv)} failed')
    return wall, usage.ru_utime + usage.ru_stime


def output_of(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, check=True).stdout


def main():
    ap = argparse.ArgumentParser(description='virt-defaults apply vs xmllint --format, as processes')
    ap.add_argument('--vd', default=os.path.join(TOP, 'build', 'src', 'virt-defaults'))
    ap.add_argument('--before', help='another virt-defaults to measure in the same run')
    ap.add_argument('--xmllint', default='/usr/bin/xmllint')
    ap.add_argument('--runs', type=int, default=200)
    ap.add_argument('--time-table-load', action='store_true',
                    help='also run build/bench/vdtablebench (1000 loads of the table)')
    ap.add_argument('files', nargs='*')
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix='procbench-')
    inputs = args.files
    if not inputs:
        gen = os.path.join(tmp.name, 'q35-200disk.xml')
        with open(gen, 'w', encoding='utf-8') as f:
            f.write(generated_guest(200))
        inputs = DEFAULT_INPUTS + [gen]

    progs = [('xmllint', [args.xmllint, '--format']), ('vd', [os.path.abspath(args.vd), 'apply'])]
    if args.before:
        progs.append(('before', [os.path.abspath(args.before), 'apply']))
        for path in inputs:
            if output_of(progs[1][1] + [path]) != output_of(progs[2][1] + [path]):
                sys.exit(f'procbench: the two virt-defaults disagree on {path}')

    times = {(p, i): ([], []) for p, _ in progs for i in inputs}
    for _ in range(args.runs):
        for path in inputs:
            for name, argv in progs:
                wall, cpu = run_once(argv + [path])
                times[(name, path)][0].append(wall)
                times[(name, path)][1].append(cpu)

    print(f'# median of {args.runs} runs per program and input, milliseconds; '
          f'ratio = virt-defaults / xmllint')
    head = f'{"input":34} {"clock":5} {"xmllint":>8} {"vd":>8} {"vd/xml":>7}'
    if args.before:
        head += f' {"before":>8} {"bef/xml":>7}'
    print(head)
    worst = 0.0
    for path in inputs:
        label = os.path.basename(path)[:-4] if path.endswith('.xml') else os.path.basename(path)
        for k, clock in ((0, 'wall'), (1, 'cpu')):
            med = {p: statistics.median(times[(p, path)][k]) * 1000 for p, _ in progs}
            ratio = med['vd'] / med['xmllint']
            worst = max(worst, ratio)
            line = f'{label:34} {clock:5} {med["xmllint"]:8.2f} {med["vd"]:8.2f} {ratio:6.2f}x'
            if args.before:
                line += f' {med["before"]:8.2f} {med["before"] / med["xmllint"]:6.2f}x'
            print(line)
    print(f'# worst vd/xmllint: {worst:.2f}x: target <= 2x {"met" if worst <= 2 else "MISSED"}')

    if args.time_table_load:
        bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.vd))),
                             'bench', 'vdtablebench')
        print('# table load, in-process (' + bench + ')')
        sys.stdout.flush()
        subprocess.run([bench, '1000'], check=True)


if __name__ == '__main__':
    main()
