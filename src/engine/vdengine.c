/*
 * vdengine.c: apply the defaults table to a domain
 *
 * The steps follow the order in which libvirt's QEMU driver completes a definition
 * (machine, implicit devices, per-device defaults, implicit controllers, addresses),
 * because that order decides indexes and addresses.  What each step adds on which
 * machine is never decided here: it is looked up in the table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

/* libvirt's channel_target_dir when qemu.conf does not set it (Debian's build) */
#define VD_ENGINE_CHANNEL_TARGET_DIR "/var/lib/libvirt/qemu/channel/target"

/* Fill @prop from @setting when the user left it out. */
static void
vdEngineFill(const vdEngineCtx *ctx,
             vdDevice *dev,
             vdProp prop,
             vdSetting setting)
{
    const char *origin;
    const char *v;

    if (vdDeviceGet(dev, prop))
        return;
    if ((v = vdEngineSetting(ctx, setting, &origin)))
        vdDeviceSet(dev, prop, v, origin);
}


/* A USB controller written without a model, or added as 'default': a definition
 * that is not new keeps the model it was given when it was (libvirt keeps
 * pseries's old default there); 'default' leaves it to the emulator. */
static void
vdEngineFillUSBModel(const vdEngineCtx *ctx,
                     vdDevice *c)
{
    vdSetting setting = VD_SETTING_USB_DEFAULT_MODEL;
    const char *origin;
    const char *v;

    if (vdDeviceGet(c, VD_PROP_MODEL))
        return;
    if (!ctx->opts->newDomain && vdProfileRule(ctx->profile, VD_SETTING_USB_DEFAULT_MODEL_EXISTING))
        setting = VD_SETTING_USB_DEFAULT_MODEL_EXISTING;
    if ((v = vdEngineSetting(ctx, setting, &origin)) && !g_str_equal(v, "default"))
        vdDeviceSet(c, VD_PROP_MODEL, v, origin);
}


static vdDevice *
vdEngineNewDevice(vdDeviceKind kind,
                  const char *origin)
{
    vdDevice *dev = vdDeviceNew(kind);

    dev->origin = origin;
    return dev;
}


static vdDevice *
vdEngineAddController(vdEngineCtx *ctx,
                      const char *type,
                      int idx,
                      const char *model,
                      const char *origin)
{
    vdDevice *c = vdEngineNewDevice(VD_DEVICE_CONTROLLER, origin);
    g_autofree char *s = g_strdup_printf("%d", idx);

    vdDeviceSet(c, VD_PROP_TYPE, type, origin);
    vdDeviceSet(c, VD_PROP_INDEX, s, origin);
    if (model)
        vdDeviceSet(c, VD_PROP_MODEL, model, origin);
    /* libvirt appends what it adds; only parsed controllers are sorted in */
    g_ptr_array_add(ctx->def->devices[VD_DEVICE_CONTROLLER], c);
    return c;
}


/* The implicit USB controller; an ICH9 EHCI master comes with its UHCI companions,
 * which share its index. */
static void
vdEngineAddUSB(vdEngineCtx *ctx,
               const char *model,
               const char *origin)
{
    int m;

    vdEngineAddController(ctx, "usb", 0, model, origin);
    if (!model || vdUSBModelTypeFromString(model) != VD_USB_MODEL_ICH9_EHCI1)
        return;
    /* the companions, in the order of their rows */
    for (m = 0; m < VD_USB_MODEL_LAST; m++) {
        if (vdUSBModelInfoGet(m)->companion)
            vdEngineAddController(ctx, "usb", 0, vdUSBModelTypeToString(m), origin);
    }
}


/* The machine type and arch the profile resolved, written where the definition
 * left them out or named an alias; and the vCPU limit of that machine. */
static bool
vdEngineMachine(vdEngineCtx *ctx,
                GError **error)
{
    vdDomainDef *def = ctx->def;
    const vdProfile *profile = ctx->profile;

    if (profile->archDefaulted)
        def->newArch = g_strdup(profile->arch);
    if (profile->machineRule && def->rulesUsed)
        g_hash_table_add(def->rulesUsed, profile->machineRule->id);
    if (profile->machineOrigin) {
        def->newMachine = g_strdup(profile->machine);
        def->machineOrigin = profile->machineOrigin;
    }
    /* libvirt knows no limit of a machine that reports none (0) */
    if (profile->maxCpus && def->vcpus > profile->maxCpus) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Maximum CPUs greater than specified machine type limit %1$u"),
                    profile->maxCpus);
        return false;
    }
    return true;
}


/* The indexes in use per controller type, so that finding the lowest unused one, or
 * whether one exists, costs no walk over every controller. */
typedef struct {
    GHashTable *used;       /* index + 1 */
    int next;               /* no unused index below it */
} vdIndexSet;

static void
vdIndexSetFree(gpointer p)
{
    vdIndexSet *set = p;

    g_hash_table_unref(set->used);
    g_free(set);
}


static GHashTable *
vdEngineIndexSets(vdEngineCtx *ctx)
{
    GHashTable *sets = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, vdIndexSetFree);
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(ctx->def, VD_DEVICE_CONTROLLER, i);
        const char *type = vdDeviceGet(c, VD_PROP_TYPE);
        int idx = vdDeviceIndex(c);
        vdIndexSet *set;

        if (!type)
            continue;
        if (!(set = g_hash_table_lookup(sets, type))) {
            set = g_new0(vdIndexSet, 1);
            set->used = g_hash_table_new(NULL, NULL);
            g_hash_table_insert(sets, (gpointer)type, set);
        }
        if (idx >= 0)
            g_hash_table_add(set->used, GINT_TO_POINTER(idx + 1));
    }
    return sets;
}


static bool
vdIndexSetHas(GHashTable *sets,
              const char *type,
              int idx)
{
    vdIndexSet *set = g_hash_table_lookup(sets, type);

    return set && g_hash_table_contains(set->used, GINT_TO_POINTER(idx + 1));
}


/* Which ICH9 models each USB index has, as keys of a set. */
#define VD_USB2_MEMBER(idx, model) GINT_TO_POINTER((idx) * VD_USB_MODEL_LAST + (model) + 1)


static void
vdEngineUSB2Note(GHashTable *members,
                 const vdDevice *c)
{
    if (vdDeviceUSBModel(c)->ich9 && vdDeviceIndex(c) >= 0)
        g_hash_table_add(members, VD_USB2_MEMBER(vdDeviceIndex(c), c->usbModel));
}


/* The index of the USB2 set @c joins, or -1: a member of an ICH9 set written right
 * after another USB2 controller, @prev (other types between them do not count),
 * joins its set, unless that set already has one of its model. */
static int
vdEngineUSB2SetIndex(GHashTable *members,
                     const vdDevice *prev,
                     const vdDevice *c)
{
    int idx;

    if (!vdDeviceUSBModel(c)->ich9 || !prev || !vdDeviceUSBModel(prev)->ich9 ||
        (idx = vdDeviceIndex(prev)) < 0 ||
        g_hash_table_contains(members, VD_USB2_MEMBER(idx, c->usbModel)))
        return -1;
    return idx;
}


/* Controllers written without an index get the lowest unused one of their type; a
 * member of an ICH9 USB2 set may join the set before it. */
static void
vdEngineControllerIndexes(vdEngineCtx *ctx)
{
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    g_autoptr(GHashTable) sets = vdEngineIndexSets(ctx);
    g_autoptr(GHashTable) members = g_hash_table_new(NULL, NULL);
    const vdDevice *prevUSB = NULL;
    guint i;

    for (i = 0; i < conts->len; i++)
        vdEngineUSB2Note(members, g_ptr_array_index(conts, i));
    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);
        const char *type = vdDeviceGet(c, VD_PROP_TYPE);
        const vdDevice *prev = prevUSB;
        g_autofree char *s = NULL;
        vdIndexSet *set;
        int idx = 0;

        if (vdControllerIs(c, VD_CONTROLLER_USB))
            prevUSB = c;
        if (vdDeviceIndex(c) >= 0 || !type)
            continue;
        set = g_hash_table_lookup(sets, type);
        if ((idx = vdEngineUSB2SetIndex(members, prev, c)) < 0) {
            /* the lowest unused index: a root bus written first gets 0; indexes are
             * only ever taken, so the search resumes where the last one stopped */
            while (g_hash_table_contains(set->used, GINT_TO_POINTER(set->next + 1)))
                set->next++;
            idx = set->next;
        }
        g_hash_table_add(set->used, GINT_TO_POINTER(idx + 1));
        s = g_strdup_printf("%d", idx);
        vdDeviceSet(c, VD_PROP_INDEX, s, VD_ORIGIN_INDEX);
        vdEngineUSB2Note(members, c);
    }
}


static bool
vdEngineHasGraphics(const vdEngineCtx *ctx)
{
    return vdDomainDefCount(ctx->def, VD_DEVICE_GRAPHICS) > 0;
}


static bool
vdEngineHasInput(const vdEngineCtx *ctx,
                 const char *type,
                 const char *bus)
{
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_INPUT); i++) {
        vdDevice *in = vdDomainDefGet(ctx->def, VD_DEVICE_INPUT, i);

        if (vdDevicePropIs(in, VD_PROP_TYPE, type) && vdDevicePropIs(in, VD_PROP_BUS, bus))
            return true;
    }
    return false;
}


/* A USB companion written without <master> needs a USB controller the user wrote
 * that is not a companion, checked before libvirt adds its own. */
static bool
vdEngineCheckUSBCompanions(vdEngineCtx *ctx,
                           GError **error)
{
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    bool master = false;
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (vdControllerIs(c, VD_CONTROLLER_USB) && !vdDeviceUSBModel(c)->companion)
            master = true;
    }
    for (i = 0; i < conts->len && !master; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);
        const char *m = vdDeviceGet(c, VD_PROP_MODEL);

        if (vdDeviceUSBModel(c)->companion && !vdDeviceGet(c, VD_PROP_STARTPORT)) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("No master USB controller specified for the '%1$s' controller"), m);
            return false;
        }
    }
    return true;
}


/* Whether there is a USB controller that can take devices. */
static bool
vdEngineHasUSB(const vdEngineCtx *ctx)
{
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(ctx->def, VD_DEVICE_CONTROLLER, i);

        if (vdControllerIs(c, VD_CONTROLLER_USB) && !vdUSBModelIs(c, VD_USB_MODEL_NONE))
            return true;
    }
    return false;
}

/* "mouse:ps2 keyboard:ps2": add each input the definition lacks. */
static void
vdEngineAddInputs(vdEngineCtx *ctx,
                  vdSetting setting)
{
    const char *origin;
    const char *list = vdEngineSetting(ctx, setting, &origin);
    g_auto(GStrv) items = NULL;
    size_t i;

    if (!list)
        return;
    items = g_strsplit_set(list, " ", -1);
    for (i = 0; items[i]; i++) {
        g_auto(GStrv) tb = g_strsplit(items[i], ":", 2);
        vdDevice *in;

        if (!tb[0] || !tb[1])
            continue;
        if (vdEngineHasInput(ctx, tb[0], tb[1]))
            continue;
        if (g_str_equal(tb[1], "usb") && !vdEngineHasUSB(ctx) &&
            vdEngineSettingIs(ctx, VD_SETTING_INPUT_IMPLICIT_NEEDS_USB, "yes"))
            continue;
        /* a tablet already does what a USB mouse would */
        if (g_str_equal(tb[0], "mouse") && g_str_equal(tb[1], "usb") &&
            vdEngineHasInput(ctx, "tablet", "usb"))
            continue;
        in = vdEngineNewDevice(VD_DEVICE_INPUT, origin);
        vdDeviceSet(in, VD_PROP_TYPE, tb[0], origin);
        vdDeviceSet(in, VD_PROP_BUS, tb[1], origin);
        vdDomainDefAddDevice(ctx->def, in);
    }
}


bool
vdEngineUSBDisabled(const vdEngineCtx *ctx)
{
    vdDevice *usb = vdDomainDefFindController(ctx->def, VD_CONTROLLER_USB, 0);

    return usb && vdUSBModelIs(usb, VD_USB_MODEL_NONE);
}


/* The SCSI drive addresses in use, as (controller, unit) pairs. */
static guint64
vdEngineDriveKey(unsigned int controller,
                 unsigned int unit)
{
    return ((guint64)controller << 32) | unit;
}


/* g_int64_hash() folds the halves together (controller ^ unit): the addresses of
 * a few hundred controllers of 7 units then share a few hundred hash values, and
 * GHashTable's probing turns that into a walk over the colliding keys per lookup.
 * Fibonacci hashing spreads them. */
static guint
vdEngineDriveHash(gconstpointer key)
{
    return (guint)((*(const guint64 *)key * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15)) >> 32);
}


static void
vdEngineDriveTake(GHashTable *used,
                  unsigned int controller,
                  unsigned int unit)
{
    guint64 *key = g_new(guint64, 1);

    *key = vdEngineDriveKey(controller, unit);
    g_hash_table_add(used, key);
}


static bool
vdEngineDriveUsed(GHashTable *used,
                  unsigned int controller,
                  unsigned int unit)
{
    guint64 key = vdEngineDriveKey(controller, unit);

    return g_hash_table_contains(used, &key);
}


static bool
vdEngineIsSCSIHostdev(const vdDevice *h)
{
    return vdDevicePropIs(h, VD_PROP_MODE, "subsystem") && vdDevicePropIs(h, VD_PROP_TYPE, "scsi");
}


/* The drive addresses SCSI disks and hostdevs already hold. */
static GHashTable *
vdEngineDrivesTaken(vdDomainDef *def)
{
    GHashTable *used = g_hash_table_new_full(vdEngineDriveHash, g_int64_equal, g_free, NULL);
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_DISK); i++) {
        vdDevice *o = vdDomainDefGet(def, VD_DEVICE_DISK, i);

        if (o->addr.type == VD_ADDRESS_DRIVE && vdDiskBusIs(o, VD_DISK_BUS_SCSI))
            vdEngineDriveTake(used, o->addr.controller, o->addr.unit);
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_HOSTDEV); i++) {
        vdDevice *o = vdDomainDefGet(def, VD_DEVICE_HOSTDEV, i);

        if (o->addr.type == VD_ADDRESS_DRIVE)
            vdEngineDriveTake(used, o->addr.controller, o->addr.unit);
    }
    return used;
}


/* Moves @next to the first free unit at or after it, if any below controller 256:
 * units are only ever taken, so the first free one is never before the last. */
static bool
vdEngineDriveNextFree(GHashTable *used,
                      vdAddress *next)
{
    for (; next->controller < 256; next->controller++, next->unit = 0) {
        for (; next->unit < 7; next->unit++) {
            if (!vdEngineDriveUsed(used, next->controller, next->unit))
                return true;
        }
    }
    return false;
}


/* SCSI controllers @from to @upto that the definition lacks, like controller 0,
 * appended as libvirt appends the controllers it adds. */
static void
vdEngineSCSIControllersAdd(vdEngineCtx *ctx,
                           GHashTable *sets,
                           unsigned int from,
                           unsigned int upto)
{
    vdDomainDef *def = ctx->def;
    vdDevice *first = vdDomainDefFindController(def, VD_CONTROLLER_SCSI, 0);
    unsigned int n;

    for (n = from; n <= upto; n++) {
        vdDevice *c;
        g_autofree char *idx = NULL;

        if (vdIndexSetHas(sets, "scsi", (int)n))
            continue;
        c = vdEngineNewDevice(VD_DEVICE_CONTROLLER, VD_ORIGIN_IMPLICIT);
        idx = g_strdup_printf("%u", n);
        vdDeviceSet(c, VD_PROP_TYPE, "scsi", VD_ORIGIN_IMPLICIT);
        vdDeviceSet(c, VD_PROP_INDEX, idx, VD_ORIGIN_IMPLICIT);
        if (first && vdDeviceGet(first, VD_PROP_MODEL))
            vdDeviceSet(c, VD_PROP_MODEL, vdDeviceGet(first, VD_PROP_MODEL), VD_ORIGIN_IMPLICIT);
        g_ptr_array_add(def->devices[VD_DEVICE_CONTROLLER], c);
        if (!first)
            first = vdDomainDefFindController(def, VD_CONTROLLER_SCSI, 0);
    }
}


/* A SCSI hostdev takes the first free unit of the SCSI controllers, a new
 * controller like controller 0 when they are full; libvirt does this while parsing,
 * so such controllers sit with the user's. */
static bool
vdEngineHostdevSCSI(vdEngineCtx *ctx,
                    GError **error)
{
    vdDomainDef *def = ctx->def;
    g_autoptr(GHashTable) used = NULL;
    g_autoptr(GHashTable) sets = NULL;
    vdAddress next = { .type = VD_ADDRESS_DRIVE };
    int created = -1;
    bool any = false;
    guint i;

    /* most definitions have none: then the disks' addresses need no table */
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_HOSTDEV) && !any; i++)
        any = vdEngineIsSCSIHostdev(vdDomainDefGet(def, VD_DEVICE_HOSTDEV, i));
    if (!any)
        return true;

    used = vdEngineDrivesTaken(def);
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_HOSTDEV); i++) {
        vdDevice *h = vdDomainDefGet(def, VD_DEVICE_HOSTDEV, i);
        vdAddress a = { .type = VD_ADDRESS_DRIVE };

        if (!vdEngineIsSCSIHostdev(h))
            continue;
        if (h->addr.type == VD_ADDRESS_DRIVE) {
            if (h->addr.controller > VD_DOMAIN_MAX_CONTROLLER_INDEX) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("a SCSI hostdev needs scsi controller index %1$u, more than the limit of %2$u"),
                            h->addr.controller, (unsigned int)VD_DOMAIN_MAX_CONTROLLER_INDEX);
                return false;
            }
            a.controller = h->addr.controller;
        } else if (vdEngineDriveNextFree(used, &next)) {
            a.controller = next.controller;
            a.unit = next.unit;
        } else {
            continue;
        }
        if ((int)a.controller > created) {
            if (!sets)
                sets = vdEngineIndexSets(ctx);
            vdEngineSCSIControllersAdd(ctx, sets, created < 0 ? 0 : (unsigned int)created + 1,
                                       a.controller);
            created = (int)a.controller;
        }
        if (h->addr.type == VD_ADDRESS_NONE) {
            vdEngineDriveTake(used, a.controller, a.unit);
            vdDeviceSetAddress(h, &a, VD_ORIGIN_ADDRESS);
        }
    }
    return true;
}


/* Inputs get their bus while they are parsed, before implicit inputs are considered. */
static void
vdEngineInputBuses(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_INPUT); i++) {
        vdDevice *in = vdDomainDefGet(def, VD_DEVICE_INPUT, i);
        const char *type = vdDeviceGet(in, VD_PROP_TYPE);

        if (vdDeviceGet(in, VD_PROP_BUS) || !type)
            continue;
        if (g_str_equal(type, "mouse") || g_str_equal(type, "keyboard"))
            vdEngineFill(ctx, in, VD_PROP_BUS, VD_SETTING_INPUT_DEFAULT_BUS);
        else if (g_str_equal(type, "passthrough"))
            vdDeviceSet(in, VD_PROP_BUS, "virtio", "libvirt.input-bus");
        else if (g_str_equal(type, "tablet"))
            vdEngineFill(ctx, in, VD_PROP_BUS, VD_SETTING_INPUT_TABLET_BUS);
    }
}


/* The panic device of the machine, unless one of its model is there. */
static void
vdEngineImplicitPanic(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    const char *origin;
    const char *v;

    if ((v = vdEngineSetting(ctx, VD_SETTING_PANIC_IMPLICIT, &origin)) && !g_str_equal(v, "none")) {
        guint i;
        bool found = false;

        for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_PANIC); i++) {
            vdDevice *p = vdDomainDefGet(def, VD_DEVICE_PANIC, i);

            found |= !vdDeviceGet(p, VD_PROP_MODEL) || vdDevicePropIs(p, VD_PROP_MODEL, v);
        }
        if (!found) {
            vdDevice *p = vdEngineNewDevice(VD_DEVICE_PANIC, origin);

            vdDeviceSet(p, VD_PROP_MODEL, v, origin);
            vdDomainDefAddDevice(def, p);
        }
    }
}


/* An RNG with a random backend, for machines whose generation adds one. */
static void
vdEngineImplicitRNG(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    const char *origin;
    const char *v;

    if ((v = vdEngineSetting(ctx, VD_SETTING_RNG_IMPLICIT, &origin)) && !g_str_equal(v, "none") &&
        vdDomainDefCount(def, VD_DEVICE_RNG) == 0) {
        vdDevice *r = vdEngineNewDevice(VD_DEVICE_RNG, origin);

        vdDeviceSet(r, VD_PROP_MODEL, v, origin);
        vdDeviceSet(r, VD_PROP_BACKEND_MODEL, "random", origin);
        if ((v = vdEngineSetting(ctx, VD_SETTING_RNG_BACKEND, NULL)))
            vdDeviceSet(r, VD_PROP_BACKEND_PATH, v, origin);
        vdDomainDefAddDevice(def, r);
    }
}


/* The audio backend follows the last VNC, SPICE or SDL display, and the host's
 * settings where they let the guest use the host's audio. */
static void
vdEngineImplicitAudio(vdEngineCtx *ctx)
{
    const vdEngineHost *host = ctx->opts->host;
    vdDomainDef *def = ctx->def;
    const char *origin;
    const char *v;

    if (vdDomainDefCount(def, VD_DEVICE_AUDIO) == 0) {
        vdSetting setting = VD_SETTING_AUDIO_NONE;

        if (vdEngineHasGraphics(ctx)) {
            guint g;

            setting = VD_SETTING_LAST;
            for (g = 0; g < vdDomainDefCount(def, VD_DEVICE_GRAPHICS); g++) {
                const char *gt = vdDeviceGet(vdDomainDefGet(def, VD_DEVICE_GRAPHICS, g), VD_PROP_TYPE);

                if (g_strcmp0(gt, "vnc") == 0)
                    setting = VD_SETTING_AUDIO_VNC;
                else if (g_strcmp0(gt, "spice") == 0)
                    setting = VD_SETTING_AUDIO_SPICE;
                else if (g_strcmp0(gt, "sdl") == 0)
                    setting = VD_SETTING_AUDIO_SDL;
            }
        }
        v = vdEngineSetting(ctx, setting, &origin);
        if (host && ((setting == VD_SETTING_AUDIO_VNC && host->vncAllowHostAudio) ||
                     (setting == VD_SETTING_AUDIO_NONE && host->nogfxAllowHostAudio)))
            v = "host";
        /* the host's own audio: what QEMU_AUDIO_DRV names, nothing when it is unset */
        if (g_strcmp0(v, "host") == 0)
            v = host ? host->audioDriver : NULL;
        if (v && !g_str_equal(v, "-")) {
            vdDevice *a = vdEngineNewDevice(VD_DEVICE_AUDIO, origin);

            vdDeviceSet(a, VD_PROP_ID, "1", origin);
            vdDeviceSet(a, VD_PROP_TYPE, v, origin);
            if (g_str_equal(v, "sdl") && host && host->sdlAudioDriver)
                vdDeviceSet(a, VD_PROP_AUDIO_DRIVER, host->sdlAudioDriver, origin);
            vdDomainDefAddDevice(def, a);
        }
    }
}


static bool
vdEngineDefaultDevices(vdEngineCtx *ctx,
                       GError **error)
{
    vdDomainDef *def = ctx->def;
    const char *origin;
    const char *v;
    vdDevice *root;

    /* implicit inputs are added before anything else */
    if (!def->ps2Off)
        vdEngineAddInputs(ctx, VD_SETTING_INPUT_IMPLICIT);

    /* 'default': a controller without a model, which usb.default-model decides
     * like one the user wrote */
    if ((v = vdEngineSetting(ctx, VD_SETTING_USB_IMPLICIT, &origin)) && !g_str_equal(v, "none") &&
        !vdDomainDefFindController(def, VD_CONTROLLER_USB, 0))
        vdEngineAddUSB(ctx, g_str_equal(v, "default") ? NULL : v, origin);

    if (vdEngineSettingIs(ctx, VD_SETTING_SATA_IMPLICIT, "yes") &&
        !vdDomainDefFindController(def, VD_CONTROLLER_SATA, 0)) {
        vdEngineSetting(ctx, VD_SETTING_SATA_IMPLICIT, &origin);
        vdEngineAddController(ctx, "sata", 0, NULL, origin);
    }

    v = vdEngineSetting(ctx, VD_SETTING_PCI_ROOT, &origin);
    root = vdDomainDefFindController(def, VD_CONTROLLER_PCI, 0);
    if (v && !g_str_equal(v, "none")) {
        if (!root) {
            root = vdEngineAddController(ctx, "pci", 0, v, origin);
        } else if (!vdDeviceGet(root, VD_PROP_MODEL)) {
            vdDeviceSet(root, VD_PROP_MODEL, v, origin);
        } else if (!vdDevicePropIs(root, VD_PROP_MODEL, v)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("The PCI controller with index='0' must be model='%1$s' for this machine type, but model='%2$s' was found instead"),
                        v, vdDeviceGet(root, VD_PROP_MODEL));
            return false;
        }
    }

    if ((v = vdEngineSetting(ctx, VD_SETTING_BALLOON_IMPLICIT, &origin)) && !g_str_equal(v, "none") &&
        vdDomainDefCount(def, VD_DEVICE_MEMBALLOON) == 0) {
        vdDevice *b = vdEngineNewDevice(VD_DEVICE_MEMBALLOON, origin);

        vdDeviceSet(b, VD_PROP_MODEL, v, origin);
        if ((v = vdEngineSetting(ctx, VD_SETTING_BALLOON_FREE_PAGE_REPORTING, &origin)))
            vdDeviceSet(b, VD_PROP_FREE_PAGE_REPORTING, v, origin);
        vdDomainDefAddDevice(def, b);
    }

    if (vdEngineHasGraphics(ctx))
        vdEngineAddInputs(ctx, VD_SETTING_INPUT_IMPLICIT_GRAPHICS);

    vdEngineImplicitPanic(ctx);
    vdEngineImplicitRNG(ctx);
    vdEngineImplicitAudio(ctx);
    return true;
}


static const char *
vdDiskBusFromName(const char *dev)
{
    if (!dev)
        return NULL;
    if (g_str_has_prefix(dev, "hd"))
        return "ide";
    if (g_str_has_prefix(dev, "sd"))
        return "scsi";
    if (g_str_has_prefix(dev, "vd"))
        return "virtio";
    if (g_str_has_prefix(dev, "xvd"))
        return "xen";
    if (g_str_has_prefix(dev, "ubd"))
        return "uml";
    if (g_str_has_prefix(dev, "fd"))
        return "fdc";
    return NULL;
}


/* libvirt's drive address for a disk: how many units and buses a controller has. */
static void
vdEngineDiskDriveAddress(vdDevice *disk)
{
    const char *bus = vdDeviceGet(disk, VD_PROP_BUS);
    int idx = vdDiskNameToIndex(vdDeviceGet(disk, VD_PROP_DEV));
    vdAddress a = { .type = VD_ADDRESS_DRIVE };

    if (idx < 0 || disk->addr.type != VD_ADDRESS_NONE || !bus)
        return;
    if (vdDiskBusIs(disk, VD_DISK_BUS_IDE)) {
        a.controller = idx / 4;
        a.bus = (idx % 4) / 2;
        a.unit = idx % 2;
    } else if (vdDiskBusIs(disk, VD_DISK_BUS_SATA)) {
        a.controller = idx / 6;
        a.unit = idx % 6;
    } else if (vdDiskBusIs(disk, VD_DISK_BUS_SCSI)) {
        a.controller = idx / 7;
        a.unit = idx % 7;
    } else if (vdDiskBusIs(disk, VD_DISK_BUS_FDC)) {
        a.controller = idx / 2;
        a.unit = idx % 2;
    } else {
        return;
    }
    vdDeviceSetAddress(disk, &a, VD_ORIGIN_ADDRESS);
}


static void
vdEngineDiskDefaults(vdEngineCtx *ctx,
                     vdDevice *disk)
{
    const char *device = vdDeviceGet(disk, VD_PROP_DEVICE);
    const char *type = vdDeviceGet(disk, VD_PROP_TYPE);

    if (!device)
        vdDeviceSet(disk, VD_PROP_DEVICE, device = "disk", "libvirt.disk-device");
    if (!vdDeviceGet(disk, VD_PROP_BUS)) {
        const char *bus = g_str_equal(device, "floppy") ? "fdc" :
            vdDiskBusFromName(vdDeviceGet(disk, VD_PROP_DEV));

        if (bus)
            vdDeviceSet(disk, VD_PROP_BUS, bus, "libvirt.disk-bus");
    }
    if (g_strcmp0(type, "file") == 0 || g_strcmp0(type, "block") == 0 ||
        g_strcmp0(type, "network") == 0 || g_strcmp0(type, "volume") == 0 || !type) {
        vdEngineFill(ctx, disk, VD_PROP_DRIVER_NAME, VD_SETTING_DISK_DRIVER_NAME);
        /* a pool volume's format is the pool's business */
        if (g_strcmp0(type, "volume") != 0)
            vdEngineFill(ctx, disk, VD_PROP_DRIVER_TYPE, VD_SETTING_DISK_DRIVER_FORMAT);
    }
    if (g_str_equal(device, "cdrom") && !vdDeviceGet(disk, VD_PROP_READONLY))
        vdDeviceSet(disk, VD_PROP_READONLY, "yes", "libvirt.cdrom-readonly");
    if (vdDiskBusIs(disk, VD_DISK_BUS_USB)) {
        if (g_str_equal(device, "cdrom") && ctx->opts->newDomain)
            vdEngineFill(ctx, disk, VD_PROP_MODEL, VD_SETTING_USB_CDROM_MODEL);
        else
            vdEngineFill(ctx, disk, VD_PROP_MODEL, VD_SETTING_USB_DISK_MODEL);
    }
    vdEngineDiskDriveAddress(disk);
}


static void
vdEngineVideoDefaults(vdEngineCtx *ctx,
                      vdDevice *video,
                      bool primary)
{
    const char *model;
    char name[64];
    const char *origin;
    const char *v;

    vdEngineFill(ctx, video, VD_PROP_MODEL, VD_SETTING_VIDEO_DEFAULT);
    if (!(model = vdDeviceGet(video, VD_PROP_MODEL)) || g_str_equal(model, "none"))
        return;

    /* the memory sizes are settings per model: "video.vram.qxl" */
    g_snprintf(name, sizeof(name), "video.ram.%s", model);
    vdEngineFill(ctx, video, VD_PROP_VIDEO_RAM, vdSettingFromName(name));
    g_snprintf(name, sizeof(name), "video.vram.%s", model);
    if (!vdDeviceGet(video, VD_PROP_VIDEO_VRAM) &&
        (v = vdEngineSetting(ctx, vdSettingFromName(name), &origin)) && !g_str_equal(v, "0"))
        vdDeviceSet(video, VD_PROP_VIDEO_VRAM, v, origin);
    g_snprintf(name, sizeof(name), "video.vgamem.%s", model);
    vdEngineFill(ctx, video, VD_PROP_VIDEO_VGAMEM, vdSettingFromName(name));
    if (!vdDeviceGet(video, VD_PROP_VIDEO_HEADS))
        vdDeviceSet(video, VD_PROP_VIDEO_HEADS, "1", "libvirt.video-heads");
    if (primary && !vdDeviceGet(video, VD_PROP_VIDEO_PRIMARY))
        vdDeviceSet(video, VD_PROP_VIDEO_PRIMARY, "yes", "libvirt.video-primary");
}


static void
vdEngineGraphicsDefaults(vdEngineCtx *ctx,
                         vdDevice *g)
{
    const char *type = vdDeviceGet(g, VD_PROP_TYPE);
    const char *port = vdDeviceGet(g, VD_PROP_GFX_PORT);
    const char *listen = vdDeviceGet(g, VD_PROP_GFX_LISTEN);
    bool vnc = g_strcmp0(type, "vnc") == 0;

    if (!vnc && g_strcmp0(type, "spice") != 0)
        return;

    /* the listen attribute and the <listen> element say the same thing: each is
     * written from the other */
    if (!vdDeviceGet(g, VD_PROP_LISTEN_TYPE)) {
        if (!vnc && !port && !vdDeviceGet(g, VD_PROP_GFX_AUTOPORT) &&
            !vdDeviceGet(g, VD_PROP_GFX_TLS_PORT)) {
            /* SPICE with no port at all listens nowhere, whatever address was given */
            vdDeviceSet(g, VD_PROP_LISTEN_TYPE, "none", "libvirt.graphics-listen");
            if (listen)
                vdDeviceSet(g, VD_PROP_GFX_LISTEN, NULL, "libvirt.graphics-listen");
        } else if (listen) {
            vdDeviceSet(g, VD_PROP_LISTEN_TYPE, "address", "libvirt.graphics-listen");
            vdDeviceSet(g, VD_PROP_LISTEN_ADDRESS, listen, "libvirt.graphics-listen");
        } else if (vnc && vdDeviceGet(g, VD_PROP_GFX_SOCKET)) {
            vdDeviceSet(g, VD_PROP_LISTEN_TYPE, "socket", "libvirt.graphics-listen");
            vdDeviceSet(g, VD_PROP_LISTEN_SOCKET, vdDeviceGet(g, VD_PROP_GFX_SOCKET),
                        "libvirt.graphics-listen");
        } else {
            vdDeviceSet(g, VD_PROP_LISTEN_TYPE, "address", "libvirt.graphics-listen");
        }
    } else if (!listen && vdDevicePropIs(g, VD_PROP_LISTEN_TYPE, "address") &&
               vdDeviceGet(g, VD_PROP_LISTEN_ADDRESS)) {
        vdDeviceSet(g, VD_PROP_GFX_LISTEN, vdDeviceGet(g, VD_PROP_LISTEN_ADDRESS),
                    "libvirt.graphics-listen");
    }
    if (vnc && !vdDeviceGet(g, VD_PROP_GFX_SOCKET) && vdDevicePropIs(g, VD_PROP_LISTEN_TYPE, "socket") &&
        vdDeviceGet(g, VD_PROP_LISTEN_SOCKET))
        vdDeviceSet(g, VD_PROP_GFX_SOCKET, vdDeviceGet(g, VD_PROP_LISTEN_SOCKET),
                    "libvirt.graphics-listen");

    if (vdDevicePropIs(g, VD_PROP_LISTEN_TYPE, "socket") || vdDevicePropIs(g, VD_PROP_LISTEN_TYPE, "none"))
        return; /* no TCP port */

    if (!vnc && !port && !vdDeviceGet(g, VD_PROP_GFX_AUTOPORT) && !vdDeviceGet(g, VD_PROP_GFX_TLS_PORT) &&
        vdDevicePropIs(g, VD_PROP_LISTEN_TYPE, "address") && !vdDeviceGet(g, VD_PROP_LISTEN_ADDRESS)) {
        vdDeviceSet(g, VD_PROP_LISTEN_TYPE, "none", "libvirt.graphics-listen");
        return;
    }
    if (!vnc && port && !g_str_equal(port, "-1") && !vdDeviceGet(g, VD_PROP_GFX_AUTOPORT))
        vdDeviceSet(g, VD_PROP_GFX_AUTOPORT, "no", "libvirt.spice-autoport");
    if (!vnc) {
        /* SPICE with autoport chooses both ports at start and stores neither */
        if (vdDevicePropIs(g, VD_PROP_GFX_AUTOPORT, "yes")) {
            if (port)
                vdDeviceSet(g, VD_PROP_GFX_PORT, NULL, "libvirt.spice-autoport");
            if (vdDeviceGet(g, VD_PROP_GFX_TLS_PORT))
                vdDeviceSet(g, VD_PROP_GFX_TLS_PORT, NULL, "libvirt.spice-autoport");
        }
        return;
    }
    if (!vdDeviceGet(g, VD_PROP_GFX_AUTOPORT) && (!port || g_str_equal(port, "-1"))) {
        if (!port)
            vdDeviceSet(g, VD_PROP_GFX_PORT, "-1", "libvirt.vnc-autoport");
        vdDeviceSet(g, VD_PROP_GFX_AUTOPORT, "yes", "libvirt.vnc-autoport");
    } else if (!vdDeviceGet(g, VD_PROP_GFX_AUTOPORT)) {
        vdDeviceSet(g, VD_PROP_GFX_AUTOPORT, "no", "libvirt.vnc-autoport");
    } else if (vdDevicePropIs(g, VD_PROP_GFX_AUTOPORT, "no") && g_strcmp0(port, "-1") == 0) {
        /* no port and no autoport: nothing to store */
        vdDeviceSet(g, VD_PROP_GFX_PORT, NULL, "libvirt.vnc-autoport");
    } else if (vdDevicePropIs(g, VD_PROP_GFX_AUTOPORT, "yes") && g_strcmp0(port, "-1") != 0) {
        /* with autoport the port is chosen at start and not stored */
        vdDeviceSet(g, VD_PROP_GFX_PORT, "-1", "libvirt.vnc-autoport");
    }
}


static void
vdEngineChrPorts(vdEngineCtx *ctx,
                 vdDeviceKind kind)
{
    GPtrArray *devs = ctx->def->devices[kind];
    int maxPort = -1;
    guint i;

    /* libvirt numbers consoles by their position as written, whatever port they
     * were given; a stub console the engine added is not one the user wrote */
    if (kind == VD_DEVICE_CONSOLE) {
        guint n = 0;

        for (i = 0; i < devs->len; i++) {
            vdDevice *chr = g_ptr_array_index(devs, i);
            g_autofree char *s = NULL;

            if (chr->origin)
                continue;
            s = g_strdup_printf("%u", n++);
            if (!vdDevicePropIs(chr, VD_PROP_TARGET_PORT, s))
                vdDeviceSet(chr, VD_PROP_TARGET_PORT, s, "libvirt.chr-port");
        }
        return;
    }
    for (i = 0; i < devs->len; i++) {
        const char *p = vdDeviceGet(g_ptr_array_index(devs, i), VD_PROP_TARGET_PORT);

        if (p)
            maxPort = MAX(maxPort, (int)g_ascii_strtoll(p, NULL, 10));
    }
    for (i = 0; i < devs->len; i++) {
        vdDevice *chr = g_ptr_array_index(devs, i);
        g_autofree char *s = NULL;

        if (vdDeviceGet(chr, VD_PROP_TARGET_PORT) || kind == VD_DEVICE_CHANNEL)
            continue;
        s = g_strdup_printf("%d", ++maxPort);
        vdDeviceSet(chr, VD_PROP_TARGET_PORT, s, "libvirt.chr-port");
    }
}


static void
vdEngineSerialDefaults(vdEngineCtx *ctx,
                       vdDevice *serial)
{
    const char *origin;
    const char *tt;

    if (!vdDeviceGet(serial, VD_PROP_TARGET_TYPE) ||
        vdDevicePropIs(serial, VD_PROP_TARGET_TYPE, "isa-serial")) {
        if ((tt = vdEngineSetting(ctx, VD_SETTING_SERIAL_TARGET_TYPE, &origin)) &&
            !vdDevicePropIs(serial, VD_PROP_TARGET_TYPE, tt))
            vdDeviceSet(serial, VD_PROP_TARGET_TYPE, tt, origin);
    }
    if (!vdDeviceGet(serial, VD_PROP_TARGET_MODEL)) {
        if (vdDevicePropIs(serial, VD_PROP_TARGET_TYPE, "pci-serial") ||
            vdDevicePropIs(serial, VD_PROP_TARGET_TYPE, "usb-serial"))
            vdDeviceSet(serial, VD_PROP_TARGET_MODEL, vdDeviceGet(serial, VD_PROP_TARGET_TYPE),
                        "libvirt.serial-model");
        else if (g_strcmp0(vdDeviceGet(serial, VD_PROP_TARGET_TYPE),
                           vdEngineSetting(ctx, VD_SETTING_SERIAL_TARGET_TYPE, NULL)) == 0)
            vdEngineFill(ctx, serial, VD_PROP_TARGET_MODEL, VD_SETTING_SERIAL_TARGET_MODEL);
    }
}


/* A console of target type serial is serial[0] seen from the other side: libvirt
 * turns a lone such console into serial[0], and puts a stub console in front of
 * serial[0] when console[0] is something else. */
static void
vdEngineConsoleCompat(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    GPtrArray *consoles = def->devices[VD_DEVICE_CONSOLE];
    GPtrArray *serials = def->devices[VD_DEVICE_SERIAL];
    const char *tt = vdEngineSetting(ctx, VD_SETTING_CONSOLE_TARGET_TYPE, NULL);
    vdDevice *con0 = consoles->len ? g_ptr_array_index(consoles, 0) : NULL;

    if (con0 && !vdDeviceGet(con0, VD_PROP_TARGET_TYPE))
        vdDeviceSet(con0, VD_PROP_TARGET_TYPE, tt ? tt : "serial", VD_ORIGIN_CONSOLE);

    if (con0 && vdDevicePropIs(con0, VD_PROP_TARGET_TYPE, "serial")) {
        if (serials->len == 0) {
            vdDevice *serial = vdEngineNewDevice(VD_DEVICE_SERIAL, VD_ORIGIN_CONSOLE);
            size_t p;

            for (p = 0; p < VD_PROP_LAST; p++) {
                if (con0->props[p] && p != VD_PROP_TARGET_TYPE && p != VD_PROP_TARGET_PORT)
                    vdDeviceSet(serial, p, con0->props[p], VD_ORIGIN_CONSOLE);
            }
            serial->copyOf = con0;
            if (con0->addr.type != VD_ADDRESS_NONE)
                vdDeviceSetAddress(serial, &con0->addr, VD_ORIGIN_CONSOLE);
            g_ptr_array_insert(serials, 0, serial);
        }
    } else if (serials->len > 0 &&
               !vdDevicePropIs(g_ptr_array_index(serials, 0), VD_PROP_TARGET_TYPE, "pci-serial") &&
               !vdDevicePropIs(g_ptr_array_index(serials, 0), VD_PROP_TARGET_TYPE, "usb-serial") &&
               !vdDevicePropIs(g_ptr_array_index(serials, 0), VD_PROP_TARGET_TYPE, "isa-debug")) {
        /* a PCI or USB serial port or the ISA debug port cannot be a console: no stub
         * for those */
        vdDevice *serial = g_ptr_array_index(serials, 0);
        vdDevice *con = vdEngineNewDevice(VD_DEVICE_CONSOLE, VD_ORIGIN_CONSOLE);

        vdDeviceSet(con, VD_PROP_TYPE, vdDeviceGet(serial, VD_PROP_TYPE), VD_ORIGIN_CONSOLE);
        vdDeviceSet(con, VD_PROP_TARGET_TYPE, "serial", VD_ORIGIN_CONSOLE);
        g_ptr_array_insert(consoles, 0, con);
    }
}


/* What a stub console mirrors of serial[0] is written only once both are final. */
static void
vdEngineConsoleMirror(vdEngineCtx *ctx)
{
    GPtrArray *consoles = ctx->def->devices[VD_DEVICE_CONSOLE];
    GPtrArray *serials = ctx->def->devices[VD_DEVICE_SERIAL];
    vdDevice *con;
    vdDevice *serial;

    if (consoles->len == 0 || serials->len == 0)
        return;
    con = g_ptr_array_index(consoles, 0);
    serial = g_ptr_array_index(serials, 0);
    if (!vdDevicePropIs(con, VD_PROP_TARGET_TYPE, "serial"))
        return;
    if (vdDeviceGet(serial, VD_PROP_TARGET_PORT) &&
        !vdDevicePropIs(con, VD_PROP_TARGET_PORT, vdDeviceGet(serial, VD_PROP_TARGET_PORT)))
        vdDeviceSet(con, VD_PROP_TARGET_PORT, vdDeviceGet(serial, VD_PROP_TARGET_PORT),
                    VD_ORIGIN_CONSOLE);
    /* console[0] and serial[0] are one device: the console shows the serial's address */
    if (serial->addr.type != VD_ADDRESS_NONE &&
        (con->addr.type == VD_ADDRESS_NONE ||
         (con->addr.type == serial->addr.type && con->addr.type == VD_ADDRESS_SPAPRVIO &&
          !con->addr.hasReg)))
        vdDeviceSetAddress(con, &serial->addr, VD_ORIGIN_CONSOLE);
    /* a new stub takes the serial's source as it is */
    if (con->node == NULL && !con->copyOf)
        con->copyOf = serial;
}


/* USB controllers: the default model, the ports of ICH9 companions. */
static void
vdEngineControllerDefaults(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);

        if (vdControllerIs(c, VD_CONTROLLER_USB)) {
            vdEngineFillUSBModel(ctx, c);
            if (vdDeviceUSBModel(c)->companion && !vdDeviceGet(c, VD_PROP_STARTPORT))
                vdDeviceSet(c, VD_PROP_STARTPORT, vdDeviceUSBModel(c)->startPort,
                            "libvirt.usb-companion");
            if (vdUSBModelIs(c, VD_USB_MODEL_NONE) && c->addr.type != VD_ADDRESS_NONE) {
                vdAddress none = { 0 };

                vdDeviceSetAddress(c, &none, "libvirt.usb-none");
            }
        }
    }
}


/* Network interfaces: the default model. */
static void
vdEngineNetDefaults(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_INTERFACE); i++) {
        vdDevice *net = vdDomainDefGet(def, VD_DEVICE_INTERFACE, i);

        if (vdDevicePropIs(net, VD_PROP_TYPE, "hostdev"))
            continue;
        if (vdDevicePropIs(net, VD_PROP_TYPE, "vhostuser") || vdDevicePropIs(net, VD_PROP_TYPE, "vdpa")) {
            if (!vdDeviceGet(net, VD_PROP_MODEL))
                vdDeviceSet(net, VD_PROP_MODEL, "virtio", "libvirt.vhostuser-virtio");
            continue;
        }
        vdEngineFill(ctx, net, VD_PROP_MODEL, VD_SETTING_NIC_DEFAULT_MODEL);
    }
}


/* Whether @path is one libvirt makes for a channel named @name under the host's
 * channel_target_dir: DIR/ANYTHING.NAME-or-more (a first component with a dot in
 * it), or .../domain-ID/NAME, as libvirt's own test reads. */
static bool
vdEngineChannelPathIsLibvirts(const vdEngineCtx *ctx,
                              const char *path,
                              const char *name)
{
    const char *dir = ctx->opts->host && ctx->opts->host->channelTargetDir ?
        ctx->opts->host->channelTargetDir : VD_ENGINE_CHANNEL_TARGET_DIR;
    size_t dlen = strlen(dir);
    const char *rest;
    const char *dom;

    if (g_str_has_prefix(path, dir) && path[dlen] == '/') {
        size_t len;

        rest = path + dlen + 1;
        len = strcspn(rest, "/");
        /* a dot after at least one other character of the first component */
        if (len >= 2 && memchr(rest + 1, '.', len - 1))
            return true;
    }
    if (!name || !g_str_has_suffix(path, name))
        return false;
    rest = path + strlen(path) - strlen(name);
    if (rest == path || rest[-1] != '/')
        return false;
    /* the component before NAME holds "domain-" and at least one more character */
    for (dom = rest - 1; dom > path && dom[-1] != '/'; dom--)
        ;
    return (dom = g_strstr_len(dom, rest - 1 - dom, "domain-")) && dom + 7 < rest - 1;
}


/* What a running guest's XML carries and a stored definition does not. */
static void
vdEngineRuntimeState(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_INTERFACE); i++) {
        vdDevice *net = vdDomainDefGet(def, VD_DEVICE_INTERFACE, i);
        const char *dev = vdDeviceGet(net, VD_PROP_TARGET_DEV);

        if (dev && (g_str_has_prefix(dev, "vnet") || g_str_has_prefix(dev, "macvtap") ||
                    g_str_has_prefix(dev, "macvlan")))
            vdDeviceSet(net, VD_PROP_TARGET_DEV, NULL, "libvirt.runtime-state");
    }
    {
        static const vdDeviceKind chrs[] = { VD_DEVICE_SERIAL, VD_DEVICE_PARALLEL,
                                             VD_DEVICE_CONSOLE, VD_DEVICE_CHANNEL };
        size_t k;

        for (k = 0; k < G_N_ELEMENTS(chrs); k++) {
            for (i = 0; i < vdDomainDefCount(def, chrs[k]); i++) {
                vdDevice *chr = vdDomainDefGet(def, chrs[k], i);

                if (vdDeviceGet(chr, VD_PROP_CONSOLE_TTY))
                    vdDeviceSet(chr, VD_PROP_CONSOLE_TTY, NULL, "libvirt.runtime-state");
                if (vdDevicePropIs(chr, VD_PROP_TYPE, "pty") && vdDeviceGet(chr, VD_PROP_SOURCE)) {
                    vdDeviceSet(chr, VD_PROP_SOURCE_PATH, NULL, "libvirt.runtime-state");
                    if (!vdDeviceGet(chr, VD_PROP_SOURCE_MODE))
                        vdDeviceSet(chr, VD_PROP_SOURCE, NULL, "libvirt.runtime-state");
                }
            }
        }
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CHANNEL); i++) {
        vdDevice *ch = vdDomainDefGet(def, VD_DEVICE_CHANNEL, i);
        const char *path = vdDeviceGet(ch, VD_PROP_SOURCE_PATH);

        if (!vdDevicePropIs(ch, VD_PROP_TARGET_TYPE, "virtio"))
            continue;
        if (vdDeviceGet(ch, VD_PROP_TARGET_STATE))
            vdDeviceSet(ch, VD_PROP_TARGET_STATE, NULL, "libvirt.channel-runtime");
        /* a UNIX socket libvirt would name itself is not stored */
        if (vdDevicePropIs(ch, VD_PROP_TYPE, "unix") && vdDeviceGet(ch, VD_PROP_SOURCE) &&
            (!path || vdEngineChannelPathIsLibvirts(ctx, path, vdDeviceGet(ch, VD_PROP_TARGET_NAME))) &&
            (!vdDeviceGet(ch, VD_PROP_SOURCE_MODE) || vdDevicePropIs(ch, VD_PROP_SOURCE_MODE, "bind"))) {
            vdDeviceSet(ch, VD_PROP_SOURCE_PATH, NULL, "libvirt.channel-runtime");
            vdDeviceSet(ch, VD_PROP_SOURCE_MODE, NULL, "libvirt.channel-runtime");
            vdDeviceSet(ch, VD_PROP_SOURCE, NULL, "libvirt.channel-runtime");
        }
    }
}


/* Values libvirt 9.0 writes whatever the machine: watchdog, host devices, filesystems. */
static void
vdEngineFixedDefaults(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_WATCHDOG); i++) {
        vdDevice *w = vdDomainDefGet(def, VD_DEVICE_WATCHDOG, i);

        if (!vdDeviceGet(w, VD_PROP_ACTION))
            vdDeviceSet(w, VD_PROP_ACTION, "reset", "libvirt.watchdog-action");
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_HOSTDEV); i++) {
        vdDevice *h = vdDomainDefGet(def, VD_DEVICE_HOSTDEV, i);

        if (vdDevicePropIs(h, VD_PROP_MODE, "subsystem") && !vdDeviceGet(h, VD_PROP_MANAGED))
            vdDeviceSet(h, VD_PROP_MANAGED, "no", "libvirt.hostdev-managed");
        /* display='off' only where QEMU's vfio-pci has the property at all */
        if (vdDevicePropIs(h, VD_PROP_TYPE, "mdev") && vdDevicePropIs(h, VD_PROP_HOSTDEV_MODEL, "vfio-pci") &&
            !vdDeviceGet(h, VD_PROP_DISPLAY) && vdCapsArchHas(ctx->profile->caps, "vfio-pci.display"))
            vdDeviceSet(h, VD_PROP_DISPLAY, "off", "libvirt.mdev-display");
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_FILESYSTEM); i++) {
        vdDevice *fs = vdDomainDefGet(def, VD_DEVICE_FILESYSTEM, i);

        if (!vdDeviceGet(fs, VD_PROP_TYPE))
            vdDeviceSet(fs, VD_PROP_TYPE, "mount", "libvirt.filesystem-type");
        /* a virtiofs daemon started by the user (a socket) has its own access mode */
        if (vdDevicePropIs(fs, VD_PROP_TYPE, "mount") && !vdDeviceGet(fs, VD_PROP_ACCESSMODE) &&
            !vdDeviceGet(fs, VD_PROP_FS_SOURCE_SOCKET))
            vdDeviceSet(fs, VD_PROP_ACCESSMODE, "passthrough", "libvirt.filesystem-accessmode");
    }
}


/* Values libvirt 9.0 writes whatever the machine: backends of RNGs, redirected
 * devices, TPMs, vsock and shared memory. */
static void
vdEngineBackendDefaults(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_RNG); i++) {
        vdDevice *r = vdDomainDefGet(def, VD_DEVICE_RNG, i);

        if (vdDevicePropIs(r, VD_PROP_BACKEND_MODEL, "random") &&
            (!vdDeviceGet(r, VD_PROP_BACKEND_PATH) || !*vdDeviceGet(r, VD_PROP_BACKEND_PATH)))
            vdDeviceSet(r, VD_PROP_BACKEND_PATH, "/dev/random", "libvirt.rng-random");
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_REDIRDEV); i++) {
        vdDevice *r = vdDomainDefGet(def, VD_DEVICE_REDIRDEV, i);

        if (!vdDeviceGet(r, VD_PROP_BUS))
            vdDeviceSet(r, VD_PROP_BUS, "usb", "libvirt.redirdev-bus");
        if (vdDevicePropIs(r, VD_PROP_TYPE, "tcp") && !vdDeviceGet(r, VD_PROP_PROTOCOL))
            vdDeviceSet(r, VD_PROP_PROTOCOL, "raw", "libvirt.tcp-protocol");
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_RNG); i++) {
        vdDevice *r = vdDomainDefGet(def, VD_DEVICE_RNG, i);

        if (vdDevicePropIs(r, VD_PROP_BACKEND_MODEL, "egd") &&
            vdDevicePropIs(r, VD_PROP_BACKEND_TYPE, "tcp") && !vdDeviceGet(r, VD_PROP_BACKEND_PROTOCOL))
            vdDeviceSet(r, VD_PROP_BACKEND_PROTOCOL, "raw", "libvirt.tcp-protocol");
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_TPM); i++) {
        vdDevice *t = vdDomainDefGet(def, VD_DEVICE_TPM, i);

        if (vdDevicePropIs(t, VD_PROP_BACKEND_TYPE, "passthrough") && !vdDeviceGet(t, VD_PROP_BACKEND_DEVICE))
            vdDeviceSet(t, VD_PROP_BACKEND_DEVICE, "/dev/tpm0", "libvirt.tpm-device");
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_VSOCK); i++) {
        vdDevice *v = vdDomainDefGet(def, VD_DEVICE_VSOCK, i);

        if (!vdDeviceGet(v, VD_PROP_MODEL))
            vdDeviceSet(v, VD_PROP_MODEL, "virtio", "libvirt.vsock-model");
        if (!vdDeviceGet(v, VD_PROP_CID_AUTO) && !vdDeviceGet(v, VD_PROP_CID_ADDRESS))
            vdDeviceSet(v, VD_PROP_CID_AUTO, "yes", "libvirt.vsock-cid");
        else if (!vdDeviceGet(v, VD_PROP_CID_AUTO))
            vdDeviceSet(v, VD_PROP_CID_AUTO, "no", "libvirt.vsock-cid");
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_SHMEM); i++) {
        vdDevice *sh = vdDomainDefGet(def, VD_DEVICE_SHMEM, i);

        if (vdDevicePropIs(sh, VD_PROP_MODEL, "ivshmem-doorbell")) {
            if (!vdDeviceGet(sh, VD_PROP_MSI_IOEVENTFD))
                vdDeviceSet(sh, VD_PROP_MSI_IOEVENTFD, "on", "libvirt.shmem-msi");
        } else if (!vdDeviceGet(sh, VD_PROP_SIZE)) {
            vdDeviceSet(sh, VD_PROP_SIZE, "4", "libvirt.shmem-size");
            vdDeviceSet(sh, VD_PROP_SIZE_UNIT, "M", "libvirt.shmem-size");
        }
    }
}


/* Per-device values the table decides. */
static void
vdEngineTableDefaults(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_GRAPHICS); i++)
        vdEngineGraphicsDefaults(ctx, vdDomainDefGet(def, VD_DEVICE_GRAPHICS, i));

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_PANIC); i++)
        vdEngineFill(ctx, vdDomainDefGet(def, VD_DEVICE_PANIC, i), VD_PROP_MODEL,
                     VD_SETTING_PANIC_DEFAULT_MODEL);

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_TPM); i++)
        vdEngineFill(ctx, vdDomainDefGet(def, VD_DEVICE_TPM, i), VD_PROP_MODEL,
                     VD_SETTING_TPM_DEFAULT_MODEL);

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_SERIAL); i++)
        vdEngineSerialDefaults(ctx, vdDomainDefGet(def, VD_DEVICE_SERIAL, i));
}


/* Per-device values, in the order libvirt's post-parse fills them. */
static void
vdEngineDeviceDefaults(vdEngineCtx *ctx)
{
    vdEngineControllerDefaults(ctx);
    vdEngineNetDefaults(ctx);
    if (!ctx->opts->live)
        vdEngineRuntimeState(ctx);
    vdEngineFixedDefaults(ctx);
    vdEngineBackendDefaults(ctx);
    vdEngineTableDefaults(ctx);
}


/* libvirt adds every controller up to the highest index a disk's drive address names,
 * one at a time; past VD_DOMAIN_MAX_CONTROLLER_INDEX that is refused at once.  (libvirt
 * 9.0 takes hours over a disk named 'sdgaarc', and stores controller='-1' for
 * controller='4294967295', which it then refuses to read back.) */
static bool
vdEngineDiskControllers(vdEngineCtx *ctx,
                        GHashTable *sets,
                        const char *bus,
                        const char *type,
                        GError **error)
{
    unsigned int max = 0;
    bool any = false;
    unsigned int i;
    guint d;

    for (d = 0; d < vdDomainDefCount(ctx->def, VD_DEVICE_DISK); d++) {
        vdDevice *disk = vdDomainDefGet(ctx->def, VD_DEVICE_DISK, d);

        if (!vdDevicePropIs(disk, VD_PROP_BUS, bus) || disk->addr.type != VD_ADDRESS_DRIVE)
            continue;
        if (disk->addr.controller > VD_DOMAIN_MAX_CONTROLLER_INDEX) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("disk '%1$s' needs %2$s controller index %3$u, more than the limit of %4$u"),
                        vdDeviceGet(disk, VD_PROP_DEV) ? vdDeviceGet(disk, VD_PROP_DEV) : "",
                        type, disk->addr.controller,
                        (unsigned int)VD_DOMAIN_MAX_CONTROLLER_INDEX);
            return false;
        }
        max = MAX(max, disk->addr.controller);
        any = true;
    }
    for (i = 0; any && i <= max; i++) {
        if (!vdIndexSetHas(sets, type, (int)i))
            vdEngineAddController(ctx, type, (int)i, NULL, VD_ORIGIN_IMPLICIT);
    }
    return true;
}


static bool
vdEngineImplicitControllers(vdEngineCtx *ctx,
                            GError **error)
{
    vdDomainDef *def = ctx->def;
    g_autoptr(GHashTable) sets = vdEngineIndexSets(ctx);
    guint i;

    if (!vdEngineDiskControllers(ctx, sets, "scsi", "scsi", error) ||
        !vdEngineDiskControllers(ctx, sets, "fdc", "fdc", error) ||
        !vdEngineDiskControllers(ctx, sets, "ide", "ide", error) ||
        !vdEngineDiskControllers(ctx, sets, "sata", "sata", error))
        return false;

    /* every virtio channel and console needs the virtio-serial controller its
     * address names, or controller 0 */
    {
        static const vdDeviceKind kinds[] = { VD_DEVICE_CHANNEL, VD_DEVICE_CONSOLE };
        size_t k;

        for (k = 0; k < G_N_ELEMENTS(kinds); k++) {
            for (i = 0; i < vdDomainDefCount(def, kinds[k]); i++) {
                vdDevice *ch = vdDomainDefGet(def, kinds[k], i);
                int idx = 0;

                if (!vdDevicePropIs(ch, VD_PROP_TARGET_TYPE, "virtio"))
                    continue;
                if (ch->addr.type == VD_ADDRESS_VIRTIO_SERIAL)
                    idx = (int)ch->addr.controller;
                if (!vdDomainDefFindController(def, VD_CONTROLLER_VIRTIO_SERIAL, idx))
                    vdEngineAddController(ctx, "virtio-serial", idx, NULL, VD_ORIGIN_IMPLICIT);
            }
        }
    }

    if (vdDomainDefCount(def, VD_DEVICE_SMARTCARD) > 0 &&
        !vdDomainDefFindController(def, VD_CONTROLLER_CCID, 0))
        vdEngineAddController(ctx, "ccid", 0, NULL, VD_ORIGIN_IMPLICIT);

    /* SCSI controllers get their model once all of them exist */
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);

        if (vdControllerIs(c, VD_CONTROLLER_SCSI) &&
            (!vdDeviceGet(c, VD_PROP_MODEL) || vdDevicePropIs(c, VD_PROP_MODEL, "auto")))
            vdEngineFill(ctx, c, VD_PROP_MODEL, VD_SETTING_SCSI_DEFAULT_MODEL);
    }
    return true;
}


static bool
vdEngineImplicitVideo(vdEngineCtx *ctx)
{
    vdDomainDef *def = ctx->def;
    guint i;

    if (vdEngineHasGraphics(ctx) && vdDomainDefCount(def, VD_DEVICE_VIDEO) == 0) {
        const char *origin;

        vdEngineSetting(ctx, VD_SETTING_VIDEO_DEFAULT, &origin);
        vdDomainDefAddDevice(def, vdEngineNewDevice(VD_DEVICE_VIDEO, origin));
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_VIDEO); i++)
        vdEngineVideoDefaults(ctx, vdDomainDefGet(def, VD_DEVICE_VIDEO, i), i == 0);
    return true;
}


/* Refusals libvirt makes because of what its defaults provide. */
/* The steps, on the planner's own copy of the view. */
static bool
vdEngineRun(vdDomainDef *def,
            const vdTable *table,
            const vdEngineOptions *opts,
            GError **error)
{
    vdEngineCtx ctx = { .def = def, .opts = opts };

    if (!(ctx.profile = vdProfileResolve(table, def->arch, def->machine, opts->generation, error)) ||
        !vdEngineMachine(&ctx, error))
        return false;
    if (vdEngineSettingIs(&ctx, VD_SETTING_MACHINE_REFUSE, "yes")) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("machine type '%1$s' is not supported by the defaults table"),
                    ctx.profile->machine);
        return false;
    }

    /* what libvirt's parser does, in its order: disk buses and drive addresses, then
     * SCSI hostdevs and their controllers, then controller indexes */
    for (guint i = 0; i < vdDomainDefCount(def, VD_DEVICE_DISK); i++)
        vdEngineDiskDefaults(&ctx, vdDomainDefGet(def, VD_DEVICE_DISK, i));
    if (!vdEngineHostdevSCSI(&ctx, error))
        return false;
    vdEngineControllerIndexes(&ctx);
    if (!vdEngineCheckUSBCompanions(&ctx, error))
        return false;
    vdEngineInputBuses(&ctx);
    if (!vdEngineDefaultDevices(&ctx, error))
        return false;
    vdEngineDeviceDefaults(&ctx);
    vdEngineChrPorts(&ctx, VD_DEVICE_SERIAL);
    vdEngineChrPorts(&ctx, VD_DEVICE_PARALLEL);
    vdEngineChrPorts(&ctx, VD_DEVICE_CONSOLE);
    vdEngineConsoleCompat(&ctx);
    for (guint i = 0; i < vdDomainDefCount(def, VD_DEVICE_SERIAL); i++)
        vdEngineSerialDefaults(&ctx, vdDomainDefGet(def, VD_DEVICE_SERIAL, i));
    vdEngineChrPorts(&ctx, VD_DEVICE_SERIAL);
    if (!vdEngineImplicitControllers(&ctx, error))
        return false;
    vdEngineImplicitVideo(&ctx);

    if (!vdEngineValidate(&ctx, error))
        return false;

    if (!vdEngineAssignVirtioSerial(&ctx, error) ||
        !vdEngineAssignSpaprVIO(&ctx, error) ||
        !vdEngineAssignCCW(&ctx, error) ||
        !vdEngineAssignPCI(&ctx, error) ||
        !vdEngineAssignUSB(&ctx, error) ||
        !vdEngineAssignCCID(&ctx, error) ||
        !vdEngineAssignMemorySlots(&ctx, error))
        return false;

    vdEngineConsoleMirror(&ctx);
    return vdDomainDefCheckSize(def, error);
}


vdPlan *
vdEnginePlan(const vdDomainDef *def,
             const vdTable *table,
             const vdEngineOptions *opts,
             GError **error)
{
    g_autoptr(vdDomainDef) planned = vdDomainDefCopy(def);

    if (!vdEngineRun(planned, table, opts, error))
        return NULL;
    return vdPlanNew(def, g_steal_pointer(&planned));
}


bool
vdEngineApply(vdDomainDef *def,
              const vdTable *table,
              const vdEngineOptions *opts,
              GError **error)
{
    g_autoptr(vdDomainDef) planned = vdDomainDefCopy(def);
    g_autoptr(vdPlan) plan = NULL;

    if (!vdEngineRun(planned, table, opts, error)) {
        /* the rules consulted before a refusal explain it: provenance too */
        vdDomainDefAddRules(def, planned->rulesUsed);
        return false;
    }
    plan = vdPlanNew(def, g_steal_pointer(&planned));
    return vdPlanApply(plan, def, error);
}
