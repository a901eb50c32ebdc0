/*
 * vdemulatortest.c: the public library's defaults for one emulator
 *
 * A driver that runs more than one QEMU keeps one vdDefaults per emulator binary,
 * made from libvirt's own capabilities of it.  Only the public header is used.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "libvirt-defaults.h"

static char *
vdEmulatorTestFile(const char *dir,
                   const char *name)
{
    g_autofree char *path = g_build_filename(abs_srcdir, dir, name, NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}


/* The machine type of a completed definition, e.g. "pc-q35-4.2". */
static char *
vdEmulatorTestMachine(const char *xml)
{
    const char *m = strstr(xml, "machine='");
    const char *end;

    g_assert_nonnull(m);
    m += strlen("machine='");
    end = strchr(m, '\'');
    g_assert_nonnull(end);
    return g_strndup(m, end - m);
}


static char *
vdEmulatorTestApply(vdDefaults *defaults,
                    const char *xml)
{
    g_autoptr(GError) err = NULL;
    char *out = vdDefaultsApply(defaults, xml, NULL, VD_CONTEXT_NEW, 1, NULL, &err);

    g_assert_no_error(err);
    return out;
}


/* QEMU 4.2's own machine types for its guests, the built-in ones for the rest;
 * the defaults an emulator's were made from may go first. */
static void
vdEmulatorTestMachines(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *caps = vdEmulatorTestFile("capsdata", "caps_4.2.0.x86_64.xml");
    g_autofree char *q35 = vdEmulatorTestFile("vdxml2xmldata", "x86_64-q35-minimal.xml");
    g_autofree char *arm = vdEmulatorTestFile("vdxml2xmldata", "aarch64-virt-minimal.xml");
    vdDefaults *base = vdDefaultsNew(&err);
    vdDefaults *qemu42;
    g_autofree char *out42 = NULL;
    g_autofree char *out72 = NULL;
    g_autofree char *outArm = NULL;
    g_autofree char *m42 = NULL;
    g_autofree char *m72 = NULL;

    g_assert_no_error(err);
    qemu42 = vdDefaultsNewForEmulator(base, caps, -1, &err);
    g_assert_no_error(err);
    out72 = vdEmulatorTestApply(base, q35);
    vdDefaultsFree(base);

    out42 = vdEmulatorTestApply(qemu42, q35);
    outArm = vdEmulatorTestApply(qemu42, arm);
    m42 = vdEmulatorTestMachine(out42);
    m72 = vdEmulatorTestMachine(out72);
    g_assert_cmpstr(m42, ==, "pc-q35-4.2");
    g_assert_cmpstr(m72, ==, "pc-q35-7.2");
    g_assert_nonnull(strstr(outArm, "machine='virt-7.2'"));
    vdDefaultsFree(qemu42);
}


/* What is not libvirt's capabilities of one emulator is refused, with nothing made. */
static void
vdEmulatorTestRefused(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vdDefaults) base = vdDefaultsNew(&err);
    const char *const bad[] = {
        "",
        "<capabilities/>",
        "<qemuCaps><flag name='x'/></qemuCaps>",
        "<qemuCaps><arch>x86_64</arch><machine name='pc' maxCpus='many'/></qemuCaps>",
        "<qemuCaps><arch>x86_64</arch><version>seven</version></qemuCaps>",
    };
    size_t i;

    g_assert_no_error(err);
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;

        g_assert_null(vdDefaultsNewForEmulator(base, bad[i], -1, &e));
        g_assert_nonnull(e);
        g_assert_true(e->domain == VD_ERROR);
    }
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/emulator/machines", vdEmulatorTestMachines);
    g_test_add_func("/emulator/refused", vdEmulatorTestRefused);
    return g_test_run();
}
