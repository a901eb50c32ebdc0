/*
 * vdaddrmem.c: DIMM slot assignment for memory devices
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "engine/vdenginepriv.h"

/* DIMMs of a guest with memory hotplug take the lowest free slot. */
bool
vdEngineAssignMemorySlots(vdEngineCtx *ctx,
                          GError **error)
{
    GPtrArray *mems = ctx->def->devices[VD_DEVICE_MEMORY];
    g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
    unsigned int next = 0;
    guint i;

    if (!ctx->def->hasMaxMemory)
        return true;
    for (i = 0; i < mems->len; i++) {
        vdDevice *m = g_ptr_array_index(mems, i);

        if (m->addr.type == VD_ADDRESS_DIMM)
            g_hash_table_add(used, GUINT_TO_POINTER(m->addr.slot + 1));
    }
    for (i = 0; i < mems->len; i++) {
        vdDevice *m = g_ptr_array_index(mems, i);
        vdAddress a = { .type = VD_ADDRESS_DIMM };

        if (m->addr.type != VD_ADDRESS_NONE ||
            (!vdDevicePropIs(m, VD_PROP_MODEL, "dimm") && !vdDevicePropIs(m, VD_PROP_MODEL, "nvdimm")))
            continue;
        while (g_hash_table_contains(used, GUINT_TO_POINTER(next + 1)))
            next++;
        a.slot = next;
        g_hash_table_add(used, GUINT_TO_POINTER(next + 1));
        vdDeviceSetAddress(m, &a, VD_ORIGIN_ADDRESS);
    }
    return true;
}
