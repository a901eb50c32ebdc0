/*
 * vdaddr.c: what the address assignments of every bus share: the order libvirt walks
 * a definition's devices in, and telling which devices sit on a bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "engine/vdenginepriv.h"

/* Device kinds in the order libvirt walks a definition's devices. */
const vdDeviceKind vdIterateOrder[VD_ITERATE_KINDS] = {
    VD_DEVICE_DISK, VD_DEVICE_INTERFACE, VD_DEVICE_SOUND, VD_DEVICE_HOSTDEV, VD_DEVICE_VIDEO,
    VD_DEVICE_CONTROLLER, VD_DEVICE_SMARTCARD, VD_DEVICE_SERIAL, VD_DEVICE_PARALLEL,
    VD_DEVICE_CHANNEL, VD_DEVICE_CONSOLE, VD_DEVICE_INPUT, VD_DEVICE_FILESYSTEM,
    VD_DEVICE_WATCHDOG, VD_DEVICE_MEMBALLOON, VD_DEVICE_RNG, VD_DEVICE_NVRAM, VD_DEVICE_HUB,
    VD_DEVICE_SHMEM, VD_DEVICE_TPM, VD_DEVICE_PANIC, VD_DEVICE_MEMORY, VD_DEVICE_REDIRDEV,
    VD_DEVICE_IOMMU, VD_DEVICE_VSOCK, VD_DEVICE_CRYPTO,
};


bool
vdDeviceMatches(const vdDevice *d,
                const vdDeviceMatch *rows,
                size_t nrows)
{
    size_t i;

    for (i = 0; i < nrows; i++) {
        const char *v;

        if (rows[i].kind != d->kind)
            continue;
        if (rows[i].prop == VD_MATCH_ANY)
            return true;
        v = vdDeviceGet(d, rows[i].prop);
        if (!rows[i].value) {
            if (v)
                return true;
        } else if (rows[i].value[0] == '!') {
            if (g_strcmp0(v, rows[i].value + 1) != 0)
                return true;
        } else if (g_strcmp0(v, rows[i].value) == 0) {
            return true;
        }
    }
    return false;
}
