/*
 * vdscale.c: how the engine's time and memory grow with the number of devices
 *
 * For each series of generated guests (N = 10 ... 4,000 devices) this measures the
 * engine as vdbench's "engine" column does (vdXMLParse + vdGuardApply, context new,
 * generation 1 + vdXMLFormat; median of repetitions on the thread's CPU clock), and the
 * peak memory of one such call in a fresh child process.  Between consecutive sizes it
 * prints the growth exponent log(t2/t1) / log(n2/n1): 1 is linear, 2 quadratic.
 * DESIGN.md 7 wants no worse than n log n, which between 1,000 and 4,000 devices is an
 * exponent of about 1.15.  Speed is reported here, never asserted in the test suite.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib.h>
#include <libxml/parser.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "vdbenchclock.h"
#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#define VD_SCALE_MAX_REPS 99
#define VD_SCALE_MAX_SIZES 16

typedef void (*vdScaleDevicesFunc)(GString *s, unsigned int n);

typedef struct {
    const char *name;
    const char *arch;
    const char *machine;
    unsigned int maxSize;          /* larger guests are refused (a limit, not a cost) */
    vdScaleDevicesFunc devices;
    const char *what;
} vdScaleSeries;

typedef struct {
    double us;                     /* median CPU microseconds per call; NAN = refused */
    double peakKiB;                /* peak RSS of one call above the baseline; NAN = none */
    unsigned int outDevices;       /* devices in the completed definition */
} vdScalePoint;

typedef struct {
    double budget;
    int reps;
    char *seriesList;
    char *sizesList;
    char *dumpDir;
    char *child;                   /* internal: "SERIES:N", measure memory and exit */
    bool noMemory;
} vdScaleOptions;


static void
vdScaleDisk(GString *s,
            const char *prefix,
            unsigned int idx,
            const char *bus)
{
    g_autofree char *dev = vdBenchDiskName(prefix, idx);

    g_string_append_printf(s,
                           "    <disk type='file' device='disk'>\n"
                           "      <driver name='qemu' type='raw'/>\n"
                           "      <source file='/var/lib/libvirt/images/%s.img'/>\n"
                           "      <target dev='%s' bus='%s'/>\n"
                           "    </disk>\n",
                           dev, dev, bus);
}


/* SCSI disks and nothing else: libvirt adds a controller for every 7 units. */
static void
vdScaleSCSIDisks(GString *s,
                 unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        vdScaleDisk(s, "sd", i, "scsi");
}


/* virtio disks: on q35 each takes a pcie-root-port of its own. */
static void
vdScaleVirtioDisks(GString *s,
                   unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        vdScaleDisk(s, "vd", i, "virtio");
}


/* Every address kind of pSeries in one guest, per 10 devices: 4 SCSI disks (drive
 * addresses, ibmvscsi controllers on spapr-vio), 2 virtio disks (PCI slots over
 * several PHBs), 2 serial ports (spapr-vio regs), 1 virtio NIC and 1 virtio channel
 * (virtio-serial ports: libvirt adds a controller whenever the 31 ports of the last
 * one are taken). */
static void
vdScaleMixed(GString *s,
             unsigned int n)
{
    unsigned int scsi = 0;
    unsigned int virtio = 0;
    unsigned int channels = 0;
    unsigned int i;

    for (i = 0; i < n; i++) {
        switch (i % 10) {
        case 0: case 2: case 5: case 7:
            vdScaleDisk(s, "sd", scsi++, "scsi");
            break;
        case 1: case 6:
            vdScaleDisk(s, "vd", virtio++, "virtio");
            break;
        case 3: case 8:
            g_string_append(s, "    <serial type='pty'/>\n");
            break;
        case 4:
            g_string_append_printf(s,
                                   "    <interface type='user'>\n"
                                   "      <mac address='52:54:00:%02x:%02x:%02x'/>\n"
                                   "      <model type='virtio'/>\n"
                                   "    </interface>\n",
                                   (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
            break;
        default:
            g_string_append_printf(s,
                                   "    <channel type='pty'>\n"
                                   "      <target type='virtio' name='org.example.ch%u'/>\n"
                                   "    </channel>\n",
                                   channels++);
            break;
        }
    }
}


static const vdScaleSeries vdScaleSeriesList[] = {
    { "s390-scsi", "s390x", "s390-ccw-virtio", 0, vdScaleSCSIDisks,
      "SCSI disks, implicit virtio-scsi controllers on CCW" },
    { "pc-scsi", "x86_64", "pc", 2000, vdScaleSCSIDisks,
      "SCSI disks, implicit lsilogic controllers behind pci-bridges" },
    { "q35-virtio", "x86_64", "q35", 200, vdScaleVirtioDisks,
      "virtio disks, one pcie-root-port each" },
    { "pseries-mixed", "ppc64le", "pseries", 0, vdScaleMixed,
      "SCSI and virtio disks, serials, NICs, virtio channels" },
};

static const unsigned int vdScaleDefaultSizes[] = { 10, 100, 1000, 2000, 4000 };


static char *
vdScaleGenerate(const vdScaleSeries *series,
                unsigned int n)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s,
                           "<domain type='qemu'>\n"
                           "  <name>vdscale-%s-%u</name>\n"
                           "  <memory unit='MiB'>4096</memory>\n"
                           "  <vcpu>2</vcpu>\n"
                           "  <os>\n"
                           "    <type arch='%s' machine='%s'>hvm</type>\n"
                           "  </os>\n"
                           "  <devices>\n",
                           series->name, n, series->arch, series->machine);
    series->devices(s, n);
    g_string_append(s, "  </devices>\n</domain>\n");
    return g_string_free(s, FALSE);
}


/* One engine call, as vdbench's engine column; the output when @out is given. */
static bool
vdScaleEngine(const vdTable *table,
              const char *xml,
              char **out,
              GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *text = NULL;
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = 1 };
    vdGuardResult res = { 0 };

    if (!(doc = vdXMLParse(xml, strlen(xml), "vdscale", "domain", error)))
        return false;
    if (!vdGuardApply(table, doc, &req, &res, error)) {
        vdGuardResultClear(&res);
        return false;
    }
    text = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    if (out)
        *out = g_steal_pointer(&text);
    return true;
}


/* Median microseconds per call over @reps repetitions of about @budget/@reps seconds;
 * the first call is untimed (it warms the caches). */
static double
vdScaleTime(const vdTable *table,
            const char *xml,
            double budget,
            int reps)
{
    double samples[VD_SCALE_MAX_REPS];
    double perRep = budget * G_USEC_PER_SEC / reps;
    gint64 start = vdBenchClockNow(true);
    guint64 iters;
    guint64 i;
    int r;

    if (!vdScaleEngine(table, xml, NULL, NULL))
        return NAN;
    iters = MAX(1, (guint64)(perRep / MAX(vdBenchClockNow(true) - start, 1)));
    for (r = 0; r < reps; r++) {
        start = vdBenchClockNow(true);
        for (i = 0; i < iters; i++)
            vdScaleEngine(table, xml, NULL, NULL);
        samples[r] = (double)(vdBenchClockNow(true) - start) / iters;
    }
    return vdBenchClockMedian(samples, reps);
}


/* A line "Key:   1234 kB" of /proc/self/status, in KiB; -1 if missing. */
static double
vdScaleStatusKiB(const char *key)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!g_file_get_contents("/proc/self/status", &text, NULL, NULL))
        return -1;
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], key) && lines[i][strlen(key)] == ':')
            return g_ascii_strtod(lines[i] + strlen(key) + 1, NULL);
    }
    return -1;
}


/* Reset the kernel's high-water mark of resident memory (Linux 4.0 and later).  Not
 * g_file_set_contents(): it writes a new file and renames it over the old one. */
static bool
vdScaleResetPeak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    bool ok;

    if (!f)
        return false;
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}


/* In the child: the peak resident memory one engine call adds, in KiB.  Free heap is
 * given back first and the kernel's high-water mark reset, so the peak is the call's
 * own; without that reset, ru_maxrss, which also counts what the parent had resident
 * when it started the child (Linux keeps the larger of the two across fork and exec). */
static double
vdScaleChildPeak(const vdTable *table,
                 const char *xml)
{
    struct rusage ru;
    double base;
    double peak;
    bool reset;

    malloc_trim(0);
    reset = vdScaleResetPeak();
    base = vdScaleStatusKiB("VmRSS");
    if (!vdScaleEngine(table, xml, NULL, NULL))
        return NAN;
    peak = vdScaleStatusKiB("VmHWM");
    if (reset && base >= 0 && peak >= 0)
        return peak - base;
    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return NAN;
    return (double)ru.ru_maxrss;
}


static const vdScaleSeries *
vdScaleFindSeries(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdScaleSeriesList); i++) {
        if (g_str_equal(vdScaleSeriesList[i].name, name))
            return &vdScaleSeriesList[i];
    }
    return NULL;
}


/* --child SERIES:N: print the peak memory of one call and exit. */
static int
vdScaleChild(const vdTable *table,
             const char *spec)
{
    g_auto(GStrv) parts = g_strsplit(spec, ":", 2);
    const vdScaleSeries *series;
    g_autofree char *xml = NULL;
    guint64 n;

    if (g_strv_length(parts) != 2 || !(series = vdScaleFindSeries(parts[0])) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, 1000000, &n, NULL)) {
        g_printerr("vdscale: bad --child '%s'\n", spec);
        return 2;
    }
    xml = vdScaleGenerate(series, (unsigned int)n);
    g_print("%.0f\n", vdScaleChildPeak(table, xml));
    return 0;
}


/* Run this program again as a child for one size: a fresh process, so that the peak
 * is not hidden in memory an earlier, larger guest left behind. */
static double
vdScaleMemory(const char *self,
              const vdScaleSeries *series,
              unsigned int n)
{
    g_autofree char *spec = g_strdup_printf("%s:%u", series->name, n);
    const char *argv[] = { self, "--child", spec, NULL };
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                      &out, NULL, &status, &err) ||
        !g_spawn_check_wait_status(status, NULL) || !out || !g_ascii_isdigit(out[0]))
        return NAN;
    return g_ascii_strtod(out, NULL);
}


static unsigned int
vdScaleCountDevices(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNodePtr n;
    unsigned int count = 0;

    if (!xml || !(doc = vdXMLParse(xml, strlen(xml), "vdscale", "domain", NULL)))
        return 0;
    for (n = vdXMLFirstElement(vdXMLChild(xmlDocGetRootElement(doc), "devices")); n;
         n = vdXMLNextElement(n))
        count++;
    return count;
}


static bool
vdScaleDump(const char *dir,
            const vdScaleSeries *series,
            unsigned int n,
            const char *xml,
            GError **error)
{
    g_autofree char *name = g_strdup_printf("%s-%u.xml", series->name, n);
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, "cannot create '%s'", dir);
        return false;
    }
    return g_file_set_contents(path, xml, -1, error);
}


/* log(b/a) / log(nb/na), or NAN where either figure is missing or not positive. */
static double
vdScaleExponent(double a,
                double b,
                unsigned int na,
                unsigned int nb)
{
    if (!(a > 0) || !(b > 0) || na == 0 || nb <= na)
        return NAN;
    return log(b / a) / log((double)nb / na);
}


static void
vdScaleFormat(char *buf,
              size_t len,
              const char *fmt,
              double v)
{
    if (isnan(v))
        g_strlcpy(buf, "-", len);
    else
        g_snprintf(buf, len, fmt, v);
}


static void
vdScalePrintRow(unsigned int n,
                const vdScalePoint *p,
                const vdScalePoint *prev,
                unsigned int prevN)
{
    char t[32], per[32], mem[32], et[32], em[32];

    if (isnan(p->us)) {
        g_print("  %6u  refused\n", n);
        return;
    }
    vdScaleFormat(t, sizeof(t), "%.0f", p->us);
    vdScaleFormat(per, sizeof(per), "%.1f", p->us / n);
    vdScaleFormat(mem, sizeof(mem), "%.0f", p->peakKiB);
    vdScaleFormat(et, sizeof(et), "%.2f", prev ? vdScaleExponent(prev->us, p->us, prevN, n) : NAN);
    vdScaleFormat(em, sizeof(em), "%.2f",
                  prev ? vdScaleExponent(prev->peakKiB, p->peakKiB, prevN, n) : NAN);
    g_print("  %6u  %6u  %10s  %8s  %9s  %8s  %8s\n", n, p->outDevices, t, per, mem, et, em);
}


/* Measure one series over @sizes and print its rows. */
static void
vdScaleRunSeries(const vdTable *table,
                 const char *self,
                 const vdScaleSeries *series,
                 const unsigned int *sizes,
                 size_t nsizes,
                 const vdScaleOptions *opts)
{
    vdScalePoint points[VD_SCALE_MAX_SIZES];
    size_t last = G_MAXSIZE;
    size_t i;

    g_print("\n%s (%s %s): %s\n", series->name, series->arch, series->machine, series->what);
    g_print("  %6s  %6s  %10s  %8s  %9s  %8s  %8s\n",
            "N", "out", "engine-us", "us/dev", "peak-KiB", "exp-time", "exp-mem");
    for (i = 0; i < nsizes; i++) {
        g_autofree char *xml = NULL;
        g_autofree char *out = NULL;
        g_autoptr(GError) err = NULL;
        vdScalePoint *p = &points[i];

        if (series->maxSize && sizes[i] > series->maxSize) {
            g_print("  %6u  skipped (over the %u this machine type fits)\n",
                    sizes[i], series->maxSize);
            continue;
        }
        xml = vdScaleGenerate(series, sizes[i]);
        if (opts->dumpDir && !vdScaleDump(opts->dumpDir, series, sizes[i], xml, &err))
            g_printerr("vdscale: %s\n", err->message);
        if (!vdScaleEngine(table, xml, &out, &err)) {
            g_print("  %6u  refused: %s\n", sizes[i], err->message);
            continue;
        }
        p->outDevices = vdScaleCountDevices(out);
        p->us = vdScaleTime(table, xml, opts->budget, opts->reps);
        p->peakKiB = opts->noMemory ? NAN : vdScaleMemory(self, series, sizes[i]);
        vdScalePrintRow(sizes[i], p, last == G_MAXSIZE ? NULL : &points[last],
                        last == G_MAXSIZE ? 0 : sizes[last]);
        last = i;
    }
}


static bool
vdScaleParseSizes(const char *list,
                  unsigned int *sizes,
                  size_t *nsizes)
{
    g_auto(GStrv) parts = g_strsplit(list, ",", -1);
    size_t i;

    for (i = 0; parts[i]; i++) {
        guint64 n;

        if (i >= VD_SCALE_MAX_SIZES ||
            !g_ascii_string_to_unsigned(parts[i], 10, 1, 16384, &n, NULL) ||
            (i > 0 && n <= sizes[i - 1]))
            return false;
        sizes[i] = (unsigned int)n;
    }
    *nsizes = i;
    return i > 0;
}


static int
vdScaleMain(const vdTable *table,
            const char *self,
            const vdScaleOptions *opts)
{
    unsigned int sizes[VD_SCALE_MAX_SIZES];
    size_t nsizes = G_N_ELEMENTS(vdScaleDefaultSizes);
    g_auto(GStrv) names = NULL;
    size_t i;

    memcpy(sizes, vdScaleDefaultSizes, sizeof(vdScaleDefaultSizes));
    if (opts->sizesList && !vdScaleParseSizes(opts->sizesList, sizes, &nsizes)) {
        g_printerr("vdscale: --sizes takes increasing numbers from 1 to 16384, comma-separated\n");
        return 2;
    }
    if (opts->seriesList)
        names = g_strsplit(opts->seriesList, ",", -1);
    for (i = 0; names && names[i]; i++) {
        if (!vdScaleFindSeries(names[i])) {
            g_printerr("vdscale: unknown series '%s'\n", names[i]);
            return 2;
        }
    }
    g_print("# engine = vdXMLParse + vdGuardApply(new, generation 1) + vdXMLFormat, median of %d "
            "repetitions, thread CPU clock; peak-KiB = resident memory one call adds; "
            "exp = log(t2/t1)/log(n2/n1) against the size above\n", opts->reps);
    for (i = 0; i < G_N_ELEMENTS(vdScaleSeriesList); i++) {
        if (names && !g_strv_contains((const char *const *)names, vdScaleSeriesList[i].name))
            continue;
        vdScaleRunSeries(table, self, &vdScaleSeriesList[i], sizes, nsizes, opts);
    }
    return 0;
}


int
main(int argc,
     char **argv)
{
    vdScaleOptions opts = { .budget = 1.0, .reps = 5 };
    GOptionEntry entries[] = {
        { "series", 's', 0, G_OPTION_ARG_STRING, &opts.seriesList,
          "Comma-separated series to run (all)", "NAME,..." },
        { "sizes", 'n', 0, G_OPTION_ARG_STRING, &opts.sizesList,
          "Comma-separated device counts (10,100,1000,2000,4000)", "N,..." },
        { "time", 't', 0, G_OPTION_ARG_DOUBLE, &opts.budget,
          "Seconds of timing per size, over all repetitions (1.0)", "S" },
        { "reps", 'r', 0, G_OPTION_ARG_INT, &opts.reps,
          "Repetitions per size; the median is reported (5)", "N" },
        { "no-memory", 0, 0, G_OPTION_ARG_NONE, &opts.noMemory,
          "Do not measure peak memory (no child processes)", NULL },
        { "dump", 0, 0, G_OPTION_ARG_FILENAME, &opts.dumpDir,
          "Also write each generated guest to DIR/<series>-<N>.xml", "DIR" },
        { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opts.child, NULL, NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) octx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    int ret;

    g_option_context_set_summary(octx, "Growth of the engine's time and memory with the "
                                 "number of devices, on generated guests.");
    g_option_context_add_main_entries(octx, entries, NULL);
    if (!g_option_context_parse(octx, &argc, &argv, &err) || argc > 1 ||
        opts.reps < 1 || opts.reps > VD_SCALE_MAX_REPS || !(opts.budget > 0)) {
        g_printerr("vdscale: %s\n", err ? err->message : "bad arguments (see --help)");
        return 2;
    }
    xmlInitParser();
    if (!(table = vdTableLoadDefault(&err))) {
        g_printerr("vdscale: %s\n", err->message);
        return 1;
    }
    if (opts.child)
        ret = vdScaleChild(table, opts.child);
    else
        ret = vdScaleMain(table, self ? self : argv[0], &opts);
    g_free(opts.seriesList);
    g_free(opts.sizesList);
    g_free(opts.dumpDir);
    g_free(opts.child);
    return ret;
}
