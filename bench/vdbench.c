/*
 * vdbench.c: the engine's speed, side by side with libxml2 and libvirt's own define
 *
 * For every input (generated q35/pc guests of growing size, then the files named on the
 * command line) this measures, in one process:
 *
 *   floor    xmlReadMemory + xmlDocDumpMemory: the least any XML-to-XML tool must pay
 *   outfloor the same on the engine's output, which is often several times larger
 *   vdxml    vdXMLParse + vdXMLFormat: our hardened parser and libvirt-style formatter
 *   engine   vdXMLParse + vdGuardApply(new, generation 1) + vdXMLFormat
 *   libvirt  virDomainDefineXMLFlags + virDomainUndefineFlags on qemu:///embed (the peer)
 *
 * Each figure is the median of --reps repetitions; each repetition runs as many
 * iterations as fit in --time / --reps seconds, and the repetitions go round-robin over
 * the inputs. Speed is reported here, never asserted
 * in the test suite (DESIGN.md 7).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vdbenchclock.h"
#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#ifndef VD_BENCH_ROOT
#define VD_BENCH_ROOT "vdbench-root"
#endif
#ifndef VD_BENCH_BUILDTYPE
#define VD_BENCH_BUILDTYPE "unknown"
#endif

/* The targets of DESIGN.md 7. */
#define VD_BENCH_TARGET_FLOOR 1.5     /* engine <= 1.5x the floor */
#define VD_BENCH_TARGET_PEER 30.0     /* libvirt >= 30x the engine */
#define VD_BENCH_TARGET_LINEAR 0.2    /* share of a fitted dev^2 term at the largest size */

#define VD_BENCH_MAX_REPS 99

typedef enum {
    VD_BENCH_FLOOR,
    VD_BENCH_OUTFLOOR,
    VD_BENCH_VDXML,
    VD_BENCH_ENGINE,
    VD_BENCH_WHOLE,
    VD_BENCH_LIBVIRT,
    VD_BENCH_LAST
} vdBenchKind;

static const char *const vdBenchKindNames[] = {
    "floor", "outfloor", "vdxml", "engine", "whole", "libvirt",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vdBenchKindNames) == VD_BENCH_LAST);

typedef struct {
    char *name;
    char *xml;
    gsize len;
    unsigned int devices;         /* element children of <devices> in the input */
    int series;                   /* disks, for the generated q35 series; -1 otherwise */
    char *out;                    /* what the engine writes for it; NULL = refused */
    gsize outLen;
    xmlDocPtr inDoc;              /* the input, parsed once */
    xmlDocPtr outDoc;             /* the completed definition, parsed once; NULL = refused */
    guint64 iters[VD_BENCH_LAST]; /* calls per repetition; 0 = not measured */
    double samples[VD_BENCH_LAST][VD_BENCH_MAX_REPS];
    double us[VD_BENCH_LAST];     /* median microseconds per iteration; NAN = none */
    char *error[VD_BENCH_LAST];   /* why a measurement could not be made */
} vdBenchInput;

typedef struct {
    const vdTable *table;
    virConnectPtr conn;
    const vdBenchInput *input;
    /* the engine column completes documents that are already parsed: parses of
     * the input, made before the clock starts and freed after it stops */
    GPtrArray *batch;
    guint next;
} vdBenchCtx;

typedef bool (*vdBenchFunc)(const vdBenchCtx *ctx, GError **error);

static const unsigned int vdBenchSeries[] = { 1, 10, 50, 100, 200 };

/* libxml2's own entity loader: vdXMLParse() replaces it for the whole process with one that
 * refuses everything, which also stops libvirt from reading its capabilities cache from
 * disk; libvirt gets the default back before each call. */
static xmlExternalEntityLoader vdBenchDefaultLoader;

/* --cpu: time with this thread's CPU clock instead of the wall clock */
static bool vdBenchCPUClock;


/* Microseconds on the clock the run measures with. */
static gint64
vdBenchNow(void)
{
    return vdBenchClockNow(vdBenchCPUClock);
}


static void
vdBenchInputFree(vdBenchInput *in)
{
    size_t k;

    if (!in)
        return;
    g_free(in->name);
    g_free(in->xml);
    g_free(in->out);
    if (in->inDoc)
        xmlFreeDoc(in->inDoc);
    if (in->outDoc)
        xmlFreeDoc(in->outDoc);
    for (k = 0; k < VD_BENCH_LAST; k++)
        g_free(in->error[k]);
    g_free(in);
}


static vdBenchInput *
vdBenchInputNew(const char *name,
                char *xml)
{
    vdBenchInput *in = g_new0(vdBenchInput, 1);
    size_t k;

    in->name = g_strdup(name);
    in->xml = xml;
    in->len = strlen(xml);
    in->series = -1;
    for (k = 0; k < VD_BENCH_LAST; k++)
        in->us[k] = NAN;
    return in;
}


/* An x86_64 guest with @disks virtio disks, a NIC and graphics: everything else (PCI
 * controllers and addresses, USB, input, video, memballoon ...) is left to the defaults. */
static char *
vdBenchGenerate(const char *machine,
                unsigned int disks,
                unsigned int serial)
{
    GString *s = g_string_new(NULL);
    unsigned int i;

    g_string_append_printf(s,
                           "<domain type='qemu'>\n"
                           "  <name>vdbench-%s-%u</name>\n"
                           "  <uuid>5d0b3a1c-0000-4000-8000-%012x</uuid>\n"
                           "  <memory unit='MiB'>2048</memory>\n"
                           "  <vcpu>2</vcpu>\n"
                           "  <os>\n"
                           "    <type arch='x86_64' machine='%s'>hvm</type>\n"
                           "  </os>\n"
                           "  <devices>\n",
                           machine, disks, serial, machine);
    for (i = 0; i < disks; i++) {
        g_autofree char *dev = vdBenchDiskName("vd", i);

        g_string_append_printf(s,
                               "    <disk type='file' device='disk'>\n"
                               "      <driver name='qemu' type='qcow2'/>\n"
                               "      <source file='/var/lib/libvirt/images/%s.qcow2'/>\n"
                               "      <target dev='%s' bus='virtio'/>\n"
                               "    </disk>\n",
                               dev, dev);
    }
    g_string_append(s,
                    "    <interface type='user'>\n"
                    "      <mac address='52:54:00:5d:0b:01'/>\n"
                    "      <model type='virtio'/>\n"
                    "    </interface>\n"
                    "    <graphics type='vnc' port='-1' autoport='yes'/>\n"
                    "  </devices>\n"
                    "</domain>\n");
    return g_string_free(s, FALSE);
}


static unsigned int
vdBenchCountDevices(const vdBenchInput *in)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNodePtr devices;
    xmlNodePtr n;
    unsigned int count = 0;

    if (!(doc = vdXMLParse(in->xml, in->len, in->name, "domain", NULL)))
        return 0;
    devices = vdXMLChild(xmlDocGetRootElement(doc), "devices");
    for (n = vdXMLFirstElement(devices); n; n = vdXMLNextElement(n))
        count++;
    return count;
}


/* The completed definition: the engine formats this, not the input. */
static char *
vdBenchEngineOutput(const vdBenchCtx *ctx)
{
    g_autoptr(xmlDoc) doc = NULL;
    char *out;
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = 1 };
    vdGuardResult res = { 0 };

    if (!(doc = vdXMLParse(ctx->input->xml, ctx->input->len, NULL, "domain", NULL)) ||
        !vdGuardApply(ctx->table, doc, &req, &res, NULL)) {
        vdGuardResultClear(&res);
        return NULL;
    }
    out = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    return out;
}


static bool
vdBenchFloor(const char *xml,
             gsize len,
             xmlDocPtr format,
             GError **error)
{
    xmlDocPtr doc;
    xmlChar *out = NULL;
    int outlen = 0;

    doc = xmlReadMemory(xml, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        g_set_error(error, VD_ERROR, VD_ERROR_XML, "libxml2 cannot parse the input");
        return false;
    }
    xmlDocDumpMemory(format ? format : doc, &out, &outlen);
    xmlFree(out);
    xmlFreeDoc(doc);
    return outlen > 0;
}


/* What any XML-to-XML tool pays: parse the input, format the completed output (the
 * input again where the engine refuses it). */
static bool
vdBenchRunFloor(const vdBenchCtx *ctx,
                GError **error)
{
    return vdBenchFloor(ctx->input->xml, ctx->input->len, ctx->input->outDoc, error);
}


/* Parsing and formatting the engine's output alone. */
static bool
vdBenchRunOutFloor(const vdBenchCtx *ctx,
                   GError **error)
{
    return vdBenchFloor(ctx->input->out, ctx->input->outLen, NULL, error);
}


static bool
vdBenchRunVdXML(const vdBenchCtx *ctx,
                GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *out = NULL;

    if (!(doc = vdXMLParse(ctx->input->xml, ctx->input->len, ctx->input->name, "domain",
                           error)))
        return false;
    out = vdXMLFormat(doc);
    return out != NULL;
}


/* What a driver pays on top of its own parse: completing the document it already
 * parsed, in place, as the fork's glue does on a define. */
static bool
vdBenchRunEngine(const vdBenchCtx *ctx,
                 GError **error)
{
    vdBenchCtx *c = (vdBenchCtx *)ctx;
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = 1, .flags = VD_GUARD_IN_PLACE };
    vdGuardResult res = { 0 };
    bool ok;

    if (!c->batch || c->next >= c->batch->len) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, "no prepared document");
        return false;
    }
    ok = vdGuardApply(ctx->table, g_ptr_array_index(c->batch, c->next++), &req, &res, error);
    vdGuardResultClear(&res);
    return ok;
}


/* From text to text: our parser, the engine and our formatter. */
static bool
vdBenchRunWhole(const vdBenchCtx *ctx,
                GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *out = NULL;
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = 1, .flags = VD_GUARD_IN_PLACE };
    vdGuardResult res = { 0 };
    bool ok;

    if (!(doc = vdXMLParse(ctx->input->xml, ctx->input->len, ctx->input->name, "domain",
                           error)))
        return false;
    ok = vdGuardApply(ctx->table, doc, &req, &res, error);
    vdGuardResultClear(&res);
    if (ok)
        out = vdXMLFormat(doc);
    return ok && out != NULL;
}


/* Before the clock starts: @iters fresh parses of the input for the engine column.
 * Parsed rather than copied with xmlCopyDoc(): a copy has no dictionary, which every
 * document the engine is given in use has (libvirt's and virt-defaults' are both
 * libxml2 parses), and the engine writes names and values into the tree differently
 * with one. */
static void
vdBenchPrepare(vdBenchCtx *ctx,
               vdBenchKind kind,
               guint64 iters)
{
    guint64 i;

    g_clear_pointer(&ctx->batch, g_ptr_array_unref);
    ctx->next = 0;
    if (kind != VD_BENCH_ENGINE || !ctx->input->inDoc)
        return;
    ctx->batch = g_ptr_array_new_full(iters, (GDestroyNotify)xmlFreeDoc);
    for (i = 0; i < iters; i++)
        g_ptr_array_add(ctx->batch, vdXMLParse(ctx->input->xml, ctx->input->len,
                                               ctx->input->name, "domain", NULL));
}


static bool
vdBenchRunLibvirt(const vdBenchCtx *ctx,
                  GError **error)
{
    virDomainPtr dom;
    unsigned int flags = VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
        VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;

    xmlSetExternalEntityLoader(vdBenchDefaultLoader);
    if (!(dom = virDomainDefineXMLFlags(ctx->conn, ctx->input->xml, 0))) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID, "%s", virGetLastErrorMessage());
        return false;
    }
    if (virDomainUndefineFlags(dom, flags) < 0 && virDomainUndefine(dom) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, "cannot undefine: %s",
                    virGetLastErrorMessage());
        virDomainFree(dom);
        return false;
    }
    virDomainFree(dom);
    return true;
}


static const vdBenchFunc vdBenchFuncs[] = {
    vdBenchRunFloor, vdBenchRunOutFloor, vdBenchRunVdXML, vdBenchRunEngine, vdBenchRunWhole,
    vdBenchRunLibvirt,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vdBenchFuncs) == VD_BENCH_LAST);


/* How many calls of column @kind take about @perRep microseconds; 0 with @error set
 * if the input is refused. */
static guint64
vdBenchCalibrate(vdBenchCtx *ctx,
                 vdBenchKind kind,
                 double perRep,
                 GError **error)
{
    vdBenchFunc func = vdBenchFuncs[kind];
    guint64 iters = 1;
    guint64 i;
    gint64 start;
    gint64 elapsed;

    /* one call untimed: warms the caches and tells whether the input is accepted */
    vdBenchPrepare(ctx, kind, 1);
    if (!func(ctx, error))
        return 0;

    /* double the batch until it takes a tenth of a repetition */
    for (;;) {
        vdBenchPrepare(ctx, kind, iters);
        start = vdBenchNow();
        for (i = 0; i < iters; i++) {
            if (!func(ctx, error))
                return 0;
        }
        elapsed = vdBenchNow() - start;
        if (elapsed >= perRep / 10 || iters >= (G_GUINT64_CONSTANT(1) << 30))
            break;
        iters *= 2;
    }
    vdBenchPrepare(ctx, VD_BENCH_LAST, 0);
    return MAX(1, (guint64)(iters * perRep / MAX(elapsed, 1)));
}


/* One repetition: microseconds per call over @iters calls, NAN with @error set. */
static double
vdBenchSample(vdBenchCtx *ctx,
              vdBenchKind kind,
              guint64 iters,
              GError **error)
{
    vdBenchFunc func = vdBenchFuncs[kind];
    guint64 i;
    gint64 start;
    double us;

    vdBenchPrepare(ctx, kind, iters);
    start = vdBenchNow();
    for (i = 0; i < iters; i++) {
        if (!func(ctx, error))
            return NAN;
    }
    us = (double)(vdBenchNow() - start) / iters;
    vdBenchPrepare(ctx, VD_BENCH_LAST, 0);
    return us;
}


static double
vdBenchDet3(double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
        m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
        m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}


/* Least squares t = a + b*dev + c*dev^2 over the series of @kind; returns what share of the
 * time at the largest size the dev^2 term accounts for (0 for a linear cost), and the
 * slope b in @slope. Two points would be at the mercy of noise; five are steadier. */
static double
vdBenchQuadraticShare(const vdBenchInput **series,
                      size_t len,
                      vdBenchKind kind,
                      double *slope)
{
    double sn[5] = { 0 };
    double st[3] = { 0 };
    double m[3][3];
    double coef[3];
    double det;
    double last;
    size_t i;
    size_t j;
    size_t r;

    for (i = 0; i < len; i++) {
        double n = series[i]->devices;
        double t = series[i]->us[kind];
        double p = 1;

        for (j = 0; j < 5; j++, p *= n) {
            sn[j] += p;
            if (j < 3)
                st[j] += p * t;
        }
    }
    for (r = 0; r < 3; r++) {
        for (j = 0; j < 3; j++)
            m[r][j] = sn[r + j];
    }
    if ((det = vdBenchDet3(m)) == 0)
        return NAN;
    for (j = 0; j < 3; j++) {
        double mj[3][3];

        memcpy(mj, m, sizeof(m));
        for (r = 0; r < 3; r++)
            mj[r][j] = st[r];
        coef[j] = vdBenchDet3(mj) / det;
    }
    if (slope)
        *slope = coef[1];
    last = series[len - 1]->devices;
    return coef[2] * last * last / series[len - 1]->us[kind];
}


static void
vdBenchLibvirtSilence(void *opaque,
                      virErrorPtr err)
{
}


static virConnectPtr
vdBenchLibvirtOpen(const char *root,
                   GError **error)
{
    g_autofree char *abs = g_canonicalize_filename(root, NULL);
    g_autofree char *etc = g_build_filename(abs, "etc", NULL);
    g_autofree char *conf = g_build_filename(etc, "qemu.conf", NULL);
    g_autofree char *uri = NULL;
    virConnectPtr conn;
    gint64 start;

    if (g_mkdir_with_parents(etc, 0755) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, "cannot create '%s': %s", etc,
                    g_strerror(errno));
        return NULL;
    }
    /* as the oracle does: run as root, so that no system user has to own the root */
    if (!g_file_test(conf, G_FILE_TEST_EXISTS) &&
        !g_file_set_contents(conf, "user = \"root\"\ngroup = \"root\"\n", -1, error))
        return NULL;

    xmlSetExternalEntityLoader(vdBenchDefaultLoader);
    virSetErrorFunc(NULL, vdBenchLibvirtSilence);
    if (virEventRegisterDefaultImpl() < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, "cannot register the event loop: %s",
                    virGetLastErrorMessage());
        return NULL;
    }
    uri = g_strdup_printf("qemu:///embed?root=%s", abs);
    g_printerr("vdbench: opening %s (the first define for each emulator probes it, once per root)\n",
               uri);
    start = g_get_monotonic_time();
    if (!(conn = virConnectOpen(uri))) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, "cannot open '%s': %s", uri,
                    virGetLastErrorMessage());
        return NULL;
    }
    g_printerr("vdbench: opened in %.1f s\n", (g_get_monotonic_time() - start) / 1e6);
    return conn;
}


static double
vdBenchRatio(double num,
             double den)
{
    if (isnan(num) || isnan(den) || den <= 0)
        return NAN;
    return num / den;
}


static void
vdBenchFormatUs(char *buf,
                size_t len,
                double us,
                const char *missing)
{
    if (isnan(us))
        g_snprintf(buf, len, "%s", missing);
    else if (us < 100)
        g_snprintf(buf, len, "%.1f", us);
    else
        g_snprintf(buf, len, "%.0f", us);
}


static void
vdBenchFormatRatio(char *buf,
                   size_t len,
                   double r)
{
    if (isnan(r))
        g_snprintf(buf, len, "-");
    else
        g_snprintf(buf, len, "%.2fx", r);
}


typedef struct {
    unsigned int n;
    double logSum;
    double worst;
    const char *worstName;
} vdBenchGeo;


static void
vdBenchGeoAdd(vdBenchGeo *g,
              double value,
              const char *name,
              bool higherIsWorse)
{
    if (isnan(value) || value <= 0)
        return;
    if (g->n == 0 || (higherIsWorse ? value > g->worst : value < g->worst)) {
        g->worst = value;
        g->worstName = name;
    }
    g->n++;
    g->logSum += log(value);
}


static double
vdBenchGeoMean(const vdBenchGeo *g)
{
    return g->n ? exp(g->logSum / g->n) : NAN;
}


static void
vdBenchJSONString(GString *s,
                  const char *str)
{
    const char *p;

    g_string_append_c(s, '"');
    for (p = str; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(s, "\\%c", *p);
        else if ((unsigned char)*p < 0x20)
            g_string_append_printf(s, "\\u%04x", (unsigned char)*p);
        else
            g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
}


static void
vdBenchJSONNumber(GString *s,
                  double v)
{
    if (isnan(v) || isinf(v))
        g_string_append(s, "null");
    else
        g_string_append_printf(s, "%.3f", v);
}


static char *
vdBenchReadLine(const char *path,
                const char *prefix)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return g_strdup("unknown");
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (!prefix)
            return g_strdup(g_strstrip(lines[i]));
        if (g_str_has_prefix(lines[i], prefix)) {
            const char *colon = strchr(lines[i], ':');

            return g_strdup(g_strstrip(colon ? (char *)colon + 1 : lines[i]));
        }
    }
    return g_strdup("unknown");
}


/* What one run was asked to do. */
typedef struct {
    gboolean noLibvirt;
    gboolean noGenerated;
    gboolean noVdXML;
    gboolean cpuClock;
    char *only;
    char *dumpDir;
    char *jsonPath;
    char *root;
    double budget;
    int reps;
    char **files;
} vdBenchOptions;

/* Where it ran, for the header and the JSON. */
typedef struct {
    char *cpu;
    char *load;
    unsigned long libvirtVersion;
} vdBenchHost;

typedef struct {
    vdBenchGeo floor;
    vdBenchGeo engine;
    vdBenchGeo libvirt;
    vdBenchGeo engineFloor;
    vdBenchGeo vdxmlFloor;
    vdBenchGeo engineOutFloor;
    vdBenchGeo grow;
    vdBenchGeo libvirtEngine;
    unsigned int overFloor;
    unsigned int underPeer;
    unsigned int refusedEngine;
    unsigned int refusedLibvirt;
    bool series;            /* the engine measured the whole q35 series */
    double linearShare;     /* of the engine; NAN = not measured */
    double linearSlope;
    double floorShare;
} vdBenchSummary;


static void
vdBenchOptionsClear(vdBenchOptions *opts)
{
    g_free(opts->only);
    g_free(opts->dumpDir);
    g_free(opts->jsonPath);
    g_free(opts->root);
    g_strfreev(opts->files);
}


static void
vdBenchHostClear(vdBenchHost *host)
{
    g_free(host->cpu);
    g_free(host->load);
}


static bool
vdBenchFloorMet(const vdBenchSummary *sum)
{
    return sum->engineFloor.n && vdBenchGeoMean(&sum->engineFloor) <= VD_BENCH_TARGET_FLOOR;
}


static bool
vdBenchPeerMet(const vdBenchSummary *sum)
{
    return sum->libvirtEngine.n &&
        vdBenchGeoMean(&sum->libvirtEngine) >= VD_BENCH_TARGET_PEER;
}


static bool
vdBenchLinearMet(const vdBenchSummary *sum)
{
    return sum->series && sum->linearShare <= VD_BENCH_TARGET_LINEAR;
}


/* The generated guests (unless @noGenerated), then @files; the q35 series goes to @series. */
static bool
vdBenchLoadInputs(GPtrArray *inputs,
                  const vdBenchInput **series,
                  const vdBenchOptions *opts,
                  GError **error)
{
    guint i;

    if (!opts->noGenerated) {
        for (i = 0; i < G_N_ELEMENTS(vdBenchSeries); i++) {
            g_autofree char *name = g_strdup_printf("gen/q35-%udisk", vdBenchSeries[i]);
            vdBenchInput *in = vdBenchInputNew(name, vdBenchGenerate("q35", vdBenchSeries[i],
                                                                     i + 1));

            in->series = vdBenchSeries[i];
            series[i] = in;
            g_ptr_array_add(inputs, in);
        }
        g_ptr_array_add(inputs, vdBenchInputNew("gen/pc-10disk",
                                                vdBenchGenerate("pc", 10, 100)));
    }
    if (opts->dumpDir) {
        if (g_mkdir_with_parents(opts->dumpDir, 0755) < 0) {
            g_set_error(error, VD_ERROR, VD_ERROR_IO, "cannot create '%s': %s", opts->dumpDir,
                        g_strerror(errno));
            return false;
        }
        for (i = 0; i < inputs->len; i++) {
            const vdBenchInput *in = g_ptr_array_index(inputs, i);
            g_autofree char *base = g_strdup_printf("%s.xml", in->name + strlen("gen/"));
            g_autofree char *path = g_build_filename(opts->dumpDir, base, NULL);

            if (!g_file_set_contents(path, in->xml, in->len, error))
                return false;
        }
    }
    for (i = 0; opts->files && opts->files[i]; i++) {
        g_autofree char *xml = NULL;
        g_autofree char *base = g_path_get_basename(opts->files[i]);

        if (!g_file_get_contents(opts->files[i], &xml, NULL, error))
            return false;
        if (g_str_has_suffix(base, ".xml"))
            base[strlen(base) - 4] = '\0';
        g_ptr_array_add(inputs, vdBenchInputNew(base, g_steal_pointer(&xml)));
    }
    for (i = 0; i < inputs->len; i++) {
        vdBenchInput *in = g_ptr_array_index(inputs, i);

        in->devices = vdBenchCountDevices(in);
    }
    return true;
}


/* Calibrate every input first, then run the repetitions round-robin over the inputs: a
 * burst of load on the machine then costs each input one sample at most, which the median
 * drops, instead of every sample of one unlucky input. */
static void
vdBenchRun(vdBenchCtx *ctx,
           GPtrArray *inputs,
           const bool *wanted,
           double perRep,
           unsigned int reps)
{
    bool progress = isatty(STDERR_FILENO);
    unsigned int r;
    guint i;
    size_t k;

    for (i = 0; i < inputs->len; i++) {
        vdBenchInput *in = g_ptr_array_index(inputs, i);

        ctx->input = in;
        in->inDoc = vdXMLParse(in->xml, in->len, in->name, "domain", NULL);
        if ((in->out = vdBenchEngineOutput(ctx))) {
            in->outLen = strlen(in->out);
            in->outDoc = xmlReadMemory(in->out, (int)in->outLen, NULL, NULL, XML_PARSE_NONET);
        }
        for (k = 0; k < VD_BENCH_LAST; k++) {
            g_autoptr(GError) err = NULL;

            if (!wanted[k] || (k == VD_BENCH_OUTFLOOR && !in->out))
                continue;
            if (!(in->iters[k] = vdBenchCalibrate(ctx, k, perRep, &err)))
                in->error[k] = g_strdup(err ? err->message : "failed");
        }
        if (progress)
            g_printerr("\rvdbench: calibrated %u of %u inputs", i + 1, inputs->len);
    }
    for (r = 0; r < reps; r++) {
        if (progress)
            g_printerr("\rvdbench: repetition %u of %u                    ", r + 1, reps);
        for (i = 0; i < inputs->len; i++) {
            vdBenchInput *in = g_ptr_array_index(inputs, i);

            ctx->input = in;
            for (k = 0; k < VD_BENCH_LAST; k++) {
                g_autoptr(GError) err = NULL;

                if (!in->iters[k])
                    continue;
                in->samples[k][r] = vdBenchSample(ctx, k, in->iters[k], &err);
                if (isnan(in->samples[k][r])) {
                    /* accepted once, refused now: report it, measure it no more */
                    in->error[k] = g_strdup(err ? err->message : "failed");
                    in->iters[k] = 0;
                }
            }
        }
    }
    if (progress)
        g_printerr("\r%60s\r", "");
    for (i = 0; i < inputs->len; i++) {
        vdBenchInput *in = g_ptr_array_index(inputs, i);

        for (k = 0; k < VD_BENCH_LAST; k++) {
            if (in->iters[k])
                in->us[k] = vdBenchClockMedian(in->samples[k], reps);
        }
    }
}


static void
vdBenchPrintTable(GPtrArray *inputs,
                  const vdBenchHost *host,
                  const vdBenchOptions *opts)
{
    int width = 5;
    guint i;
    size_t k;

    for (i = 0; i < inputs->len; i++) {
        const vdBenchInput *in = g_ptr_array_index(inputs, i);

        width = MAX(width, (int)strlen(in->name));
    }
    g_print("# vdbench: %s, %u CPUs, load %s\n", host->cpu, g_get_num_processors(), host->load);
    g_print("# build %s, libxml2 %s, libvirt %lu.%lu.%lu%s\n", VD_BENCH_BUILDTYPE,
            LIBXML_DOTTED_VERSION, host->libvirtVersion / 1000000,
            host->libvirtVersion / 1000 % 1000, host->libvirtVersion % 1000,
            host->libvirtVersion ? "" : " (not measured)");
    g_print("# median of %d repetitions, %.2f s per measurement; times in microseconds "
            "(%s clock)\n", opts->reps, opts->budget, opts->cpuClock ? "thread CPU" : "wall");
    g_print("%-*s %5s %5s %8s %8s %8s %8s %8s %9s %9s %8s\n", width, "input", "dev", "grow",
            "floor", "outfloor", "vdxml", "engine", "whole", "libvirt", "eng/floor", "lv/eng");

    for (i = 0; i < inputs->len; i++) {
        const vdBenchInput *in = g_ptr_array_index(inputs, i);
        char cols[VD_BENCH_LAST][32];
        char r1[32];
        char r2[32];
        char grow[32];

        if (in->outLen)
            g_snprintf(grow, sizeof(grow), "%.1fx", (double)in->outLen / in->len);
        else
            g_snprintf(grow, sizeof(grow), "-");
        for (k = 0; k < VD_BENCH_LAST; k++)
            vdBenchFormatUs(cols[k], sizeof(cols[k]), in->us[k],
                            in->error[k] ? "refused" : "-");
        vdBenchFormatRatio(r1, sizeof(r1), vdBenchRatio(in->us[VD_BENCH_ENGINE],
                                                        in->us[VD_BENCH_FLOOR]));
        vdBenchFormatRatio(r2, sizeof(r2), vdBenchRatio(in->us[VD_BENCH_LIBVIRT],
                                                        in->us[VD_BENCH_ENGINE]));
        g_print("%-*s %5u %5s %8s %8s %8s %8s %8s %9s %9s %8s\n", width, in->name, in->devices,
                grow, cols[VD_BENCH_FLOOR], cols[VD_BENCH_OUTFLOOR], cols[VD_BENCH_VDXML],
                cols[VD_BENCH_ENGINE], cols[VD_BENCH_WHOLE], cols[VD_BENCH_LIBVIRT], r1, r2);
    }

    /* refusals, one line each, so that a missing figure always says why */
    for (i = 0; i < inputs->len; i++) {
        const vdBenchInput *in = g_ptr_array_index(inputs, i);

        for (k = 0; k < VD_BENCH_LAST; k++) {
            g_autofree char *msg = NULL;

            if (!in->error[k])
                continue;
            msg = g_strdup(in->error[k]);
            g_strdelimit(msg, "\n", ' ');
            if (strlen(msg) > 160)
                msg[160] = '\0';
            g_print("# %s: %s refused: %s\n", in->name, vdBenchKindNames[k], msg);
        }
    }
}


static void
vdBenchSummarize(GPtrArray *inputs,
                 const vdBenchInput **series,
                 bool withLibvirt,
                 vdBenchSummary *sum)
{
    guint i;

    sum->linearShare = sum->linearSlope = sum->floorShare = NAN;
    for (i = 0; i < inputs->len; i++) {
        const vdBenchInput *in = g_ptr_array_index(inputs, i);
        const double *us = in->us;

        if (in->error[VD_BENCH_ENGINE])
            sum->refusedEngine++;
        if (in->error[VD_BENCH_LIBVIRT])
            sum->refusedLibvirt++;
        /* the ratios only where every measured column has a figure */
        if (isnan(us[VD_BENCH_ENGINE]) || (withLibvirt && isnan(us[VD_BENCH_LIBVIRT])))
            continue;
        vdBenchGeoAdd(&sum->floor, us[VD_BENCH_FLOOR], in->name, true);
        vdBenchGeoAdd(&sum->engine, us[VD_BENCH_ENGINE], in->name, true);
        vdBenchGeoAdd(&sum->libvirt, us[VD_BENCH_LIBVIRT], in->name, true);
        vdBenchGeoAdd(&sum->engineFloor, vdBenchRatio(us[VD_BENCH_ENGINE], us[VD_BENCH_FLOOR]),
                      in->name, true);
        vdBenchGeoAdd(&sum->vdxmlFloor, vdBenchRatio(us[VD_BENCH_VDXML], us[VD_BENCH_FLOOR]),
                      in->name, true);
        vdBenchGeoAdd(&sum->engineOutFloor,
                      vdBenchRatio(us[VD_BENCH_ENGINE], us[VD_BENCH_OUTFLOOR]), in->name, true);
        vdBenchGeoAdd(&sum->grow, (double)in->outLen / in->len, in->name, true);
        vdBenchGeoAdd(&sum->libvirtEngine,
                      vdBenchRatio(us[VD_BENCH_LIBVIRT], us[VD_BENCH_ENGINE]), in->name, false);
        if (vdBenchRatio(us[VD_BENCH_ENGINE], us[VD_BENCH_FLOOR]) > VD_BENCH_TARGET_FLOOR)
            sum->overFloor++;
        if (vdBenchRatio(us[VD_BENCH_LIBVIRT], us[VD_BENCH_ENGINE]) < VD_BENCH_TARGET_PEER)
            sum->underPeer++;
    }

    if (!series[0])
        return;
    sum->series = true;
    for (i = 0; i < G_N_ELEMENTS(vdBenchSeries); i++) {
        if (isnan(series[i]->us[VD_BENCH_ENGINE]))
            sum->series = false;
    }
    if (!sum->series)
        return;
    sum->linearShare = vdBenchQuadraticShare(series, G_N_ELEMENTS(vdBenchSeries),
                                             VD_BENCH_ENGINE, &sum->linearSlope);
    sum->floorShare = vdBenchQuadraticShare(series, G_N_ELEMENTS(vdBenchSeries),
                                            VD_BENCH_FLOOR, NULL);
}


static void
vdBenchPrintSummary(const vdBenchSummary *sum,
                    const vdBenchInput **series)
{
    const size_t last = G_N_ELEMENTS(vdBenchSeries) - 1;
    size_t i;

    g_print("\n# summary over %u inputs with every figure (%u refused by the engine, "
            "%u by libvirt)\n", sum->engine.n, sum->refusedEngine, sum->refusedLibvirt);
    if (sum->engine.n) {
        char gf[32];
        char ge[32];
        char gl[32];

        vdBenchFormatUs(gf, sizeof(gf), vdBenchGeoMean(&sum->floor), "-");
        vdBenchFormatUs(ge, sizeof(ge), vdBenchGeoMean(&sum->engine), "-");
        vdBenchFormatUs(gl, sizeof(gl), vdBenchGeoMean(&sum->libvirt), "-");
        g_print("# geomean us: floor %s, engine %s, libvirt %s\n", gf, ge, gl);
    }
    if (sum->engineFloor.n)
        g_print("# engine/floor: geomean %.2fx, worst %.2fx (%s), %u inputs above %.1fx: "
                "target <= %.1fx %s\n",
                vdBenchGeoMean(&sum->engineFloor), sum->engineFloor.worst,
                sum->engineFloor.worstName, sum->overFloor, VD_BENCH_TARGET_FLOOR,
                VD_BENCH_TARGET_FLOOR, vdBenchFloorMet(sum) ? "MET" : "MISSED");
    else
        g_print("# engine/floor: not measured\n");
    if (sum->vdxmlFloor.n)
        g_print("# vdxml/floor: geomean %.2fx (our parse+format alone)\n",
                vdBenchGeoMean(&sum->vdxmlFloor));
    if (sum->engineOutFloor.n)
        g_print("# engine/outfloor: geomean %.2fx (against parse+format of the output alone, "
                "which is %.1fx the input's size, geomean)\n",
                vdBenchGeoMean(&sum->engineOutFloor), vdBenchGeoMean(&sum->grow));
    if (sum->libvirtEngine.n)
        g_print("# libvirt/engine: geomean %.1fx, worst %.1fx (%s), %u inputs below %.0fx: "
                "target >= %.0fx %s\n",
                vdBenchGeoMean(&sum->libvirtEngine), sum->libvirtEngine.worst,
                sum->libvirtEngine.worstName, sum->underPeer, VD_BENCH_TARGET_PEER,
                VD_BENCH_TARGET_PEER, vdBenchPeerMet(sum) ? "MET" : "MISSED");
    else
        g_print("# libvirt/engine: not measured\n");

    /* linearity: the cost of one more device must not grow with the number of devices */
    if (!series[0])
        return;
    g_print("# q35 series, us per device (engine | floor | libvirt), marginal engine "
            "us per added disk:\n");
    for (i = 0; i <= last; i++) {
        const vdBenchInput *in = series[i];
        double marginal = NAN;
        char eng[32];
        char flo[32];
        char lv[32];
        char mar[32];

        if (i > 0)
            marginal = (in->us[VD_BENCH_ENGINE] - series[i - 1]->us[VD_BENCH_ENGINE]) /
                (vdBenchSeries[i] - vdBenchSeries[i - 1]);
        vdBenchFormatUs(eng, sizeof(eng), in->us[VD_BENCH_ENGINE] / in->devices, "-");
        vdBenchFormatUs(flo, sizeof(flo), in->us[VD_BENCH_FLOOR] / in->devices, "-");
        vdBenchFormatUs(lv, sizeof(lv), in->us[VD_BENCH_LIBVIRT] / in->devices, "-");
        vdBenchFormatUs(mar, sizeof(mar), marginal, "-");
        g_print("#   N=%-3u dev=%-3u %7s | %6s | %8s   marginal %s\n", vdBenchSeries[i],
                in->devices, eng, flo, lv, mar);
    }
    if (sum->series)
        g_print("# linearity: fit a + b*dev + c*dev^2: b = %.1f us per device, the dev^2 "
                "term is %.0f%% of the time at %u devices (floor %.0f%%): target <= "
                "%.0f%% %s\n",
                sum->linearSlope, sum->linearShare * 100, series[last]->devices,
                sum->floorShare * 100, VD_BENCH_TARGET_LINEAR * 100,
                vdBenchLinearMet(sum) ? "MET" : "MISSED");
    else
        g_print("# linearity: not measured\n");
}


static void
vdBenchJSONField(GString *s,
                 const char *name,
                 double v)
{
    g_string_append_printf(s, ", \"%s\": ", name);
    vdBenchJSONNumber(s, v);
}


static const char *
vdBenchJSONBool(bool measured,
                bool value)
{
    if (!measured)
        return "null";
    return value ? "true" : "false";
}


static bool
vdBenchWriteJSON(const char *path,
                 GPtrArray *inputs,
                 const vdBenchSummary *sum,
                 const vdBenchHost *host,
                 const vdBenchOptions *opts,
                 GError **error)
{
    g_autoptr(GString) s = g_string_new("{\n");
    guint i;
    size_t k;

    g_string_append(s, "  \"machine\": {\"cpu\": ");
    vdBenchJSONString(s, host->cpu);
    g_string_append_printf(s, ", \"cpus\": %u, \"load\": ", g_get_num_processors());
    vdBenchJSONString(s, host->load);
    g_string_append_printf(s, ", \"build\": \"%s\", \"libxml2\": \"%s\", "
                           "\"libvirt\": \"%lu.%lu.%lu\"},\n",
                           VD_BENCH_BUILDTYPE, LIBXML_DOTTED_VERSION,
                           host->libvirtVersion / 1000000, host->libvirtVersion / 1000 % 1000,
                           host->libvirtVersion % 1000);
    g_string_append_printf(s, "  \"reps\": %d,\n  \"seconds_per_measurement\": %.3f,\n"
                           "  \"clock\": \"%s\",\n",
                           opts->reps, opts->budget, opts->cpuClock ? "thread-cpu" : "wall");
    g_string_append(s, "  \"inputs\": [\n");
    for (i = 0; i < inputs->len; i++) {
        const vdBenchInput *in = g_ptr_array_index(inputs, i);

        g_string_append(s, "    {\"name\": ");
        vdBenchJSONString(s, in->name);
        g_string_append_printf(s, ", \"devices\": %u, \"bytes_in\": %" G_GSIZE_FORMAT
                               ", \"bytes_out\": %" G_GSIZE_FORMAT,
                               in->devices, in->len, in->outLen);
        if (in->series >= 0)
            g_string_append_printf(s, ", \"series_disks\": %d", in->series);
        for (k = 0; k < VD_BENCH_LAST; k++) {
            g_autofree char *field = g_strdup_printf("%s_us", vdBenchKindNames[k]);

            vdBenchJSONField(s, field, in->us[k]);
        }
        for (k = 0; k < VD_BENCH_LAST; k++) {
            if (!in->error[k])
                continue;
            g_string_append_printf(s, ", \"%s_error\": ", vdBenchKindNames[k]);
            vdBenchJSONString(s, in->error[k]);
        }
        g_string_append_printf(s, "}%s\n", i + 1 < inputs->len ? "," : "");
    }
    g_string_append(s, "  ],\n  \"summary\": {");
    g_string_append_printf(s, "\"inputs\": %u, \"refused_engine\": %u, \"refused_libvirt\": %u",
                           sum->engine.n, sum->refusedEngine, sum->refusedLibvirt);
    vdBenchJSONField(s, "geomean_floor_us", vdBenchGeoMean(&sum->floor));
    vdBenchJSONField(s, "geomean_engine_us", vdBenchGeoMean(&sum->engine));
    vdBenchJSONField(s, "geomean_libvirt_us", vdBenchGeoMean(&sum->libvirt));
    vdBenchJSONField(s, "geomean_engine_over_floor", vdBenchGeoMean(&sum->engineFloor));
    vdBenchJSONField(s, "geomean_vdxml_over_floor", vdBenchGeoMean(&sum->vdxmlFloor));
    vdBenchJSONField(s, "geomean_engine_over_outfloor", vdBenchGeoMean(&sum->engineOutFloor));
    vdBenchJSONField(s, "geomean_grow", vdBenchGeoMean(&sum->grow));
    vdBenchJSONField(s, "geomean_libvirt_over_engine", vdBenchGeoMean(&sum->libvirtEngine));
    vdBenchJSONField(s, "us_per_device", sum->linearSlope);
    vdBenchJSONField(s, "quadratic_share", sum->linearShare);
    vdBenchJSONField(s, "floor_quadratic_share", sum->floorShare);
    g_string_append_printf(s, ", \"target_floor_met\": %s",
                           vdBenchJSONBool(sum->engineFloor.n, vdBenchFloorMet(sum)));
    g_string_append_printf(s, ", \"target_peer_met\": %s",
                           vdBenchJSONBool(sum->libvirtEngine.n, vdBenchPeerMet(sum)));
    g_string_append_printf(s, ", \"target_linear_met\": %s",
                           vdBenchJSONBool(sum->series, vdBenchLinearMet(sum)));
    g_string_append(s, "}\n}\n");
    return g_file_set_contents(path, s->str, s->len, error);
}


int
main(int argc,
     char **argv)
{
    vdBenchOptions opts = { .budget = 0.2, .reps = 5 };
    GOptionEntry entries[] = {
        { "no-libvirt", 0, 0, G_OPTION_ARG_NONE, &opts.noLibvirt,
          "Do not measure libvirt's define (no emulator probing)", NULL },
        { "no-generated", 0, 0, G_OPTION_ARG_NONE, &opts.noGenerated,
          "Measure only the files given, not the generated q35/pc guests", NULL },
        { "no-vdxml", 0, 0, G_OPTION_ARG_NONE, &opts.noVdXML,
          "Skip the vdXMLParse+vdXMLFormat column", NULL },
        { "cpu", 0, 0, G_OPTION_ARG_NONE, &opts.cpuClock,
          "Time with the thread's CPU clock, not the wall clock (steadier on a busy "
          "machine; leaves out libvirt's waits for the disk)", NULL },
        { "only", 0, 0, G_OPTION_ARG_STRING, &opts.only,
          "Measure one column only: floor, outfloor, vdxml, engine, whole or libvirt (for "
          "profiling)", "KIND" },
        { "dump-generated", 0, 0, G_OPTION_ARG_FILENAME, &opts.dumpDir,
          "Write the generated guests to DIR as <name>.xml, then measure as usual", "DIR" },
        { "json", 'j', 0, G_OPTION_ARG_FILENAME, &opts.jsonPath,
          "Also write the results as JSON to FILE", "FILE" },
        { "time", 't', 0, G_OPTION_ARG_DOUBLE, &opts.budget,
          "Seconds per measurement of one input, over all repetitions (0.2)", "S" },
        { "reps", 'r', 0, G_OPTION_ARG_INT, &opts.reps,
          "Repetitions per measurement; the median is reported (5)", "N" },
        { "root", 0, 0, G_OPTION_ARG_FILENAME, &opts.root,
          "Root of the embedded libvirt QEMU driver (" VD_BENCH_ROOT ")", "DIR" },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.files, NULL, NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) octx = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(GPtrArray) inputs = NULL;
    const vdBenchInput *series[G_N_ELEMENTS(vdBenchSeries)] = { NULL };
    bool wanted[VD_BENCH_LAST];
    vdBenchHost host = { 0 };
    vdBenchSummary sum = { 0 };
    vdBenchCtx ctx = { 0 };
    int ret = 1;
    size_t k;

    octx = g_option_context_new("[FILE.xml...]");
    g_option_context_set_summary(octx,
                                 "Time the defaults engine against libxml2 parse+format (the "
                                 "floor)\nand libvirt's own define (the peer), on generated "
                                 "guests and FILEs.");
    g_option_context_add_main_entries(octx, entries, NULL);
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        g_printerr("vdbench: %s\n", err->message);
        ret = 2;
        goto cleanup;
    }
    if (opts.reps < 1 || opts.reps > VD_BENCH_MAX_REPS || !(opts.budget > 0)) {
        g_printerr("vdbench: --reps must be 1..%d and --time positive\n", VD_BENCH_MAX_REPS);
        ret = 2;
        goto cleanup;
    }
    if (!opts.root)
        opts.root = g_strdup(VD_BENCH_ROOT);
    vdBenchCPUClock = opts.cpuClock;
    for (k = 0; k < VD_BENCH_LAST; k++) {
        wanted[k] = opts.only ? g_str_equal(opts.only, vdBenchKindNames[k]) :
            !(k == VD_BENCH_VDXML && opts.noVdXML);
    }
    if (opts.only) {
        if (!wanted[VD_BENCH_FLOOR] && !wanted[VD_BENCH_OUTFLOOR] && !wanted[VD_BENCH_VDXML] &&
            !wanted[VD_BENCH_ENGINE] && !wanted[VD_BENCH_WHOLE] && !wanted[VD_BENCH_LIBVIRT]) {
            g_printerr("vdbench: --only takes floor, outfloor, vdxml, engine, whole or libvirt\n");
            ret = 2;
            goto cleanup;
        }
        opts.noLibvirt = !wanted[VD_BENCH_LIBVIRT];
    }
    wanted[VD_BENCH_LIBVIRT] = wanted[VD_BENCH_LIBVIRT] && !opts.noLibvirt;

    xmlInitParser();
    vdBenchDefaultLoader = xmlGetExternalEntityLoader();
    if (!(table = vdTableLoadDefault(&err))) {
        g_printerr("vdbench: %s\n", err->message);
        goto cleanup;
    }
    ctx.table = table;

    inputs = g_ptr_array_new_with_free_func((GDestroyNotify)vdBenchInputFree);
    if (!vdBenchLoadInputs(inputs, series, &opts, &err)) {
        g_printerr("vdbench: %s\n", err->message);
        goto cleanup;
    }
    if (inputs->len == 0) {
        g_printerr("vdbench: nothing to measure\n");
        ret = 2;
        goto cleanup;
    }

    if (!opts.noLibvirt) {
        if (!(ctx.conn = vdBenchLibvirtOpen(opts.root, &err))) {
            g_printerr("vdbench: %s (use --no-libvirt to skip the peer)\n", err->message);
            goto cleanup;
        }
        virConnectGetLibVersion(ctx.conn, &host.libvirtVersion);
    }
    host.cpu = vdBenchReadLine("/proc/cpuinfo", "model name");
    host.load = vdBenchReadLine("/proc/loadavg", NULL);

    vdBenchRun(&ctx, inputs, wanted, opts.budget * G_USEC_PER_SEC / opts.reps, opts.reps);
    vdBenchPrintTable(inputs, &host, &opts);
    vdBenchSummarize(inputs, series, ctx.conn != NULL, &sum);
    vdBenchPrintSummary(&sum, series);
    if (opts.jsonPath && !vdBenchWriteJSON(opts.jsonPath, inputs, &sum, &host, &opts, &err)) {
        g_printerr("vdbench: %s\n", err->message);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    if (ctx.conn)
        virConnectClose(ctx.conn);
    vdBenchHostClear(&host);
    vdBenchOptionsClear(&opts);
    return ret;
}
