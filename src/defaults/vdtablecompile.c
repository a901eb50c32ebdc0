/*
 * vdtablecompile.c: the build-time compiler of the built-in table
 *
 * Loads the XML files of src/defaults exactly as the library used to at every start
 * (schema validation and every semantic check of vdtable.c), then writes the table in
 * its compiled form (vdtableblob.c) for the GResource.  An invalid table fails the
 * build here, with the loader's message.
 *
 * usage: vdtablecompile SRCDIR OUTPUT
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <stdlib.h>

#include "defaults/vdtable.h"
#include "defaults/vdtablepriv.h"

int
main(int argc,
     char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(vdTable) back = NULL;
    g_autoptr(GBytes) blob = NULL;
    g_autofree char *diff = NULL;
    const char *data;
    gsize len;

    if (argc != 3) {
        g_printerr(_("usage: %1$s SRCDIR OUTPUT\n"), argv[0]);
        return EXIT_FAILURE;
    }
    if (!(table = vdTableLoadSource(argv[1], &err))) {
        g_printerr(_("vdtablecompile: the built-in table is invalid: %1$s\n"), err->message);
        return EXIT_FAILURE;
    }
    blob = vdTableSerialize(table);
    /* what the programs will read back must be what was loaded */
    if (!(back = vdTableDeserialize(blob, &err))) {
        g_printerr(_("vdtablecompile: the compiled table does not load: %1$s\n"), err->message);
        return EXIT_FAILURE;
    }
    if ((diff = vdTableDiff(table, back))) {
        g_printerr(_("vdtablecompile: the compiled table differs:\n%1$s"), diff);
        return EXIT_FAILURE;
    }
    data = g_bytes_get_data(blob, &len);
    if (!g_file_set_contents(argv[2], data, len, &err)) {
        g_printerr(_("vdtablecompile: %1$s\n"), err->message);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
