/*
 * fuzz-table.c: the loader of the defaults table
 *
 * The input is one or more table documents separated by lines "%%%%" (as
 * src/defaults/common.xml, x86.xml, ...), loaded with QEMU 7.2's capabilities the way
 * `virt-defaults --table` loads files.  A broken table must be refused with
 * VD_ERROR_TABLE, VD_ERROR_XML or VD_ERROR_INVALID; a table that loads must complete a
 * few definitions without a crash, and every refusal of the engine must be an error of
 * ours.  Run it with -timeout=1 so that a slow path is a finding too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#include "fuzz.h"

#define VD_FUZZ_MAX_FILES 8

static char *vdFuzzDir;
static char *vdFuzzCaps;

static const char *const vdFuzzDomains[] = {
    "<domain type='qemu'><name>a</name><memory>524288</memory>"
    "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
    "<devices><disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='disk'><source file='/b'/><target dev='sda' bus='scsi'/></disk>"
    "<interface type='user'/><graphics type='vnc'/><input type='tablet' bus='usb'/>"
    "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    "</devices></domain>",
    "<domain type='qemu'><name>b</name><memory>524288</memory>"
    "<os><type arch='x86_64'>hvm</type></os><devices><interface type='user'/>"
    "<serial type='pty'/><video/></devices></domain>",
    "<domain type='qemu'><name>c</name><memory>524288</memory>"
    "<os><type arch='aarch64' machine='virt'>hvm</type></os><devices>"
    "<disk type='file' device='cdrom'><source file='/c'/><target dev='sdc'/></disk>"
    "<graphics type='spice'/></devices></domain>",
    "<domain type='qemu'><name>d</name><memory>524288</memory>"
    "<os><type arch='s390x'>hvm</type></os><devices><interface type='user'/></devices></domain>",
    "<domain type='qemu'><name>e</name><memory>524288</memory>"
    "<os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>"
    "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/></disk>"
    "<serial type='pty'/></devices></domain>",
};


static void G_GNUC_NORETURN
vdFuzzBug(const char *what,
          const char *detail)
{
    fprintf(stderr, "fuzz-table: %s\n", what);
    if (detail)
        fprintf(stderr, "%s\n", detail);
    abort();
}


static void
vdFuzzCleanup(void)
{
    if (vdFuzzCaps)
        g_unlink(vdFuzzCaps);
    if (vdFuzzDir)
        g_rmdir(vdFuzzDir);
}


static void
vdFuzzInit(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) caps = NULL;
    gsize len;
    const char *buf;

    /* the table's own resources, for the capabilities */
    {
        g_autoptr(vdTable) table = NULL;

        if (!(table = vdTableLoadDefault(&err)))
            vdFuzzBug("cannot load the built-in table", err->message);
    }
    if (!(vdFuzzDir = g_dir_make_tmp("fuzz-table-XXXXXX", &err)))
        vdFuzzBug("cannot make a temporary directory", err->message);
    atexit(vdFuzzCleanup);
    if (!(caps = g_resources_lookup_data("/org/libvirt/defaults/caps/qemu-7.2.xml",
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, &err)))
        vdFuzzBug("cannot find the capabilities", err->message);
    buf = g_bytes_get_data(caps, &len);
    vdFuzzCaps = g_build_filename(vdFuzzDir, "caps.xml", NULL);
    if (!g_file_set_contents(vdFuzzCaps, buf, len, &err))
        vdFuzzBug("cannot write the capabilities", err->message);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(vdTable) table = NULL;
    g_autoptr(GError) err = NULL;
    const char *buf = (const char *)data;
    const char *end = buf + size;
    size_t i;

    if (!vdFuzzDir)
        vdFuzzInit();

    while (paths->len < VD_FUZZ_MAX_FILES) {
        const char *sep = g_strstr_len(buf, end - buf, "%%%%");
        const char *stop = sep ? sep : end;
        g_autofree char *name = g_strdup_printf("t%u.xml", paths->len);
        char *path = g_build_filename(vdFuzzDir, name, NULL);

        if (!g_file_set_contents(path, buf, stop - buf, &err))
            vdFuzzBug("cannot write a table file", err->message);
        g_ptr_array_add(paths, path);
        if (!sep)
            break;
        buf = sep + 4;
    }
    g_ptr_array_add(paths, NULL);

    table = vdTableLoadFiles((const char *const *)paths->pdata, vdFuzzCaps, &err);
    for (i = 0; i + 1 < paths->len; i++)
        g_unlink(g_ptr_array_index(paths, i));
    if (!table) {
        if (!err || err->domain != VD_ERROR)
            vdFuzzBug("a table refused without a VD_ERROR", NULL);
        if (err->code != VD_ERROR_TABLE && err->code != VD_ERROR_XML &&
            err->code != VD_ERROR_INVALID && err->code != VD_ERROR_IO)
            vdFuzzBug("a table refused with an unexpected error code", err->message);
        return 0;
    }

    for (i = 0; i < G_N_ELEMENTS(vdFuzzDomains); i++) {
        vdGuardRequest req = { .context = VD_GUARD_NEW };
        vdGuardResult res = { 0 };
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(GError) derr = NULL;

        if (!(doc = vdXMLParse(vdFuzzDomains[i], strlen(vdFuzzDomains[i]), "fuzz", "domain",
                               &derr)))
            vdFuzzBug("a built-in definition does not parse", derr->message);
        if (vdGuardApply(table, doc, &req, &res, &derr)) {
            /* formatting what the table made is part of the run */
            g_free(vdXMLFormat(res.doc));
            vdGuardResultClear(&res);
            continue;
        }
        vdGuardResultClear(&res);
        if (!derr || derr->domain != VD_ERROR)
            vdFuzzBug("a definition refused without a VD_ERROR", NULL);
        if (derr->code == VD_ERROR_INTERNAL)
            vdFuzzBug("internal error", derr->message);
    }
    return 0;
}
