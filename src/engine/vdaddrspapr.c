/*
 * vdaddrspapr.c: spapr-vio register assignment on pSeries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

/* The spapr-vio registers in use, counted (two devices may claim one: that is an
 * error found when the second is reached), and per default register the lowest one
 * not known to be taken: registers are only ever taken, so a search resumes there. */
typedef struct {
    GHashTable *count;      /* reg -> devices with it */
    GHashTable *next;       /* default reg -> first reg worth trying */
    guint64 step;           /* between two regs handed out */
} vdSpaprRegs;

static guint
vdSpaprRegCount(vdSpaprRegs *regs,
                unsigned long long reg)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(regs->count, &reg));
}


static void
vdSpaprRegTake(vdSpaprRegs *regs,
               unsigned long long reg)
{
    guint64 *key = g_new(guint64, 1);

    *key = reg;
    g_hash_table_replace(regs->count, key, GUINT_TO_POINTER(vdSpaprRegCount(regs, reg) + 1));
}


static bool
vdSpaprAssign(vdSpaprRegs *regs,
              vdDevice *dev,
              bool isVio,
              unsigned long long dflt,
              GError **error)
{
    vdAddress a = { .type = VD_ADDRESS_SPAPRVIO };
    guint64 *next;

    if (dev->addr.type == VD_ADDRESS_NONE && isVio)
        dev->addr.type = VD_ADDRESS_SPAPRVIO;
    if (dev->addr.type != VD_ADDRESS_SPAPRVIO)
        return true;
    if (dev->addr.hasReg) {
        /* it counts itself */
        if (vdSpaprRegCount(regs, dev->addr.reg) > 1) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("spapr-vio address %1$#llx already in use"), dev->addr.reg);
            return false;
        }
        return true;
    }
    if (!dflt || !regs->step) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("the table gives no spapr-vio reg for this device (setting spapr-vio.regs)"));
        return false;
    }
    if (!(next = g_hash_table_lookup(regs->next, &dflt))) {
        guint64 *key = g_new(guint64, 1);

        *key = dflt;
        next = g_new(guint64, 1);
        *next = dflt;
        g_hash_table_insert(regs->next, key, next);
    }
    while (vdSpaprRegCount(regs, *next) > 0)
        *next += regs->step;
    a.reg = *next;
    a.hasReg = true;
    vdSpaprRegTake(regs, a.reg);
    vdDeviceSetAddress(dev, &a, VD_ORIGIN_ADDRESS);
    return true;
}


/* Where each kind of spapr-vio device starts looking for a free reg. */
typedef struct {
    guint64 net;
    guint64 scsi;
    guint64 nvram;
    guint64 tpm;
    guint64 serial;
    guint64 step;
} vdSpaprBases;

/* Missing items stay 0: only a device that needs one is refused for it. */
static void
vdSpaprReadBases(const vdEngineCtx *ctx,
                 vdSpaprBases *bases)
{
    const char *list = vdEngineSetting(ctx, VD_SETTING_SPAPR_VIO_REGS, NULL);
    const struct {
        const char *name;
        guint64 *value;
    } items[] = {
        { "net", &bases->net }, { "scsi", &bases->scsi }, { "nvram", &bases->nvram },
        { "tpm", &bases->tpm }, { "serial", &bases->serial }, { "step", &bases->step },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(items); i++) {
        size_t len;
        const char *v = vdProfileItem(list, items[i].name, 0, &len);

        *items[i].value = v ? g_ascii_strtoull(v, NULL, 0) : 0;
    }
}


bool
vdEngineAssignSpaprVIO(vdEngineCtx *ctx,
                       GError **error)
{
    bool pseries = vdEngineSettingIs(ctx, VD_SETTING_PCI_MULTIPLE_ROOTS, "yes");
    vdDomainDef *def = ctx->def;
    g_autoptr(GHashTable) count = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    g_autoptr(GHashTable) next = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    vdSpaprRegs regs = { .count = count, .next = next };
    vdSpaprRegs *ctxRegs = &regs;
    vdSpaprBases bases;
    size_t k;
    guint i;

    vdSpaprReadBases(ctx, &bases);
    regs.step = bases.step;

    /* consoles mirror a serial port's address and do not count */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *d = g_ptr_array_index(def->devices[k], i);

            if (d->kind != VD_DEVICE_CONSOLE && d->addr.type == VD_ADDRESS_SPAPRVIO &&
                d->addr.hasReg)
                vdSpaprRegTake(&regs, d->addr.reg);
        }
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_INTERFACE); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_INTERFACE, i);

        if (!vdSpaprAssign(ctxRegs, d, vdDevicePropIs(d, VD_PROP_MODEL, "spapr-vlan"), bases.net, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        bool vio = vdControllerIs(d, VD_CONTROLLER_SCSI) &&
            vdDevicePropIs(d, VD_PROP_MODEL, "ibmvscsi");

        if (!vdSpaprAssign(ctxRegs, d, vio, bases.scsi, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_SERIAL); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_SERIAL, i);

        if (!vdSpaprAssign(ctxRegs, d, vdDevicePropIs(d, VD_PROP_TARGET_TYPE, "spapr-vio-serial"),
                           bases.serial, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_NVRAM); i++) {
        if (!vdSpaprAssign(ctxRegs, vdDomainDefGet(def, VD_DEVICE_NVRAM, i), pseries, bases.nvram, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_TPM); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_TPM, i);

        if (!vdSpaprAssign(ctxRegs, d, pseries && !vdDevicePropIs(d, VD_PROP_MODEL, "spapr-tpm-proxy"),
                           bases.tpm, error))
            return false;
    }
    return true;
}
