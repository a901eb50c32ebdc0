/*
 * vdplan.c: what the engine would change in a definition, as typed edits
 *
 * The planner works on a copy of the view (vdDomainDefCopy) and never on the view
 * itself; a plan lists, device by device in libvirt's order, what that copy has
 * that the view has not, each edit with the rule behind it.  Applying a plan is
 * the only way the engine changes a definition, and a definition that is already
 * complete has an empty plan: a reload checks that and stops.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "engine/vdplan.h"
#include "util/vderror.h"

VD_ENUM_IMPL(vdEditType, VD_EDIT_LAST,
             "set-arch", "set-machine", "set-property", "set-address",
             "remove-device", "add-device");

/* A device of the plan's copy that derives from another: both by kind and position */
typedef struct {
    guint kind;
    guint index;
    guint toKind;
    guint toIndex;
} vdPlanLink;

struct _vdPlan {
    const vdDomainDef *def;      /* the view planned for, which apply must be given */
    vdDomainDef *planned;        /* the planner's copy, owned; edits point into it */
    GArray *edits;               /* vdEdit */
};


void
vdPlanFree(vdPlan *plan)
{
    if (!plan)
        return;
    vdDomainDefFree(plan->planned);
    g_array_unref(plan->edits);
    g_free(plan);
}


static void
vdPlanAdd(vdPlan *plan,
          vdEditType type,
          const vdDevice *planned,
          guint index,
          vdProp prop,
          const char *rule,
          bool sameValue)
{
    vdEdit e = {
        .type = type, .kind = planned ? planned->kind : VD_DEVICE_LAST, .index = index,
        .prop = prop, .planned = planned, .rule = rule, .sameValue = sameValue,
    };

    g_array_append_val(plan->edits, e);
}


/* The edits that turn the parsed device @was into @now. */
static void
vdPlanDevice(vdPlan *plan,
             const vdDevice *was,
             const vdDevice *now,
             guint index)
{
    size_t p;

    for (p = 0; p < VD_PROP_LAST; p++) {
        const char *a = was->props[p];
        const char *b = now->props[p];
        /* most properties are unset in both: no call for those */
        bool same = a == b || (a && b && g_str_equal(a, b));

        if (!same || was->propOrigin[p] != now->propOrigin[p])
            vdPlanAdd(plan, VD_EDIT_SET_PROP, now, index, p, now->propOrigin[p], same);
    }
    if (was->addrChanged != now->addrChanged || was->addrOrigin != now->addrOrigin ||
        !vdAddressEqual(&was->addr, &now->addr))
        vdPlanAdd(plan, VD_EDIT_SET_ADDRESS, now, index, VD_PROP_LAST, now->addrOrigin,
                  vdAddressEqual(&was->addr, &now->addr));
    if (now->removed && !was->removed)
        vdPlanAdd(plan, VD_EDIT_REMOVE_DEVICE, now, index, VD_PROP_LAST, NULL, false);
}


/* The plan that turns @def into @planned, a vdDomainDefCopy() of it that the
 * planner completed; the plan owns @planned from now on. */
vdPlan *
vdPlanNew(const vdDomainDef *def,
          vdDomainDef *planned)
{
    vdPlan *plan = g_new0(vdPlan, 1);
    size_t k;
    guint i;

    plan->def = def;
    plan->planned = planned;
    plan->edits = g_array_new(FALSE, FALSE, sizeof(vdEdit));
    if (g_strcmp0(def->newArch, planned->newArch) != 0)
        vdPlanAdd(plan, VD_EDIT_SET_ARCH, NULL, 0, VD_PROP_LAST, "libvirt.default-arch", false);
    if (g_strcmp0(def->newMachine, planned->newMachine) != 0 ||
        def->machineOrigin != planned->machineOrigin)
        vdPlanAdd(plan, VD_EDIT_SET_MACHINE, NULL, 0, VD_PROP_LAST, planned->machineOrigin,
                  g_strcmp0(def->newMachine, planned->newMachine) == 0);

    /* the devices the view has keep their order; new ones go in between, so the
     * edits of the view's devices come first and the additions in ascending order */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        GPtrArray *devs = planned->devices[k];
        guint seen = 0;

        for (i = 0; i < devs->len; i++) {
            const vdDevice *d = g_ptr_array_index(devs, i);

            if (d->source)
                vdPlanDevice(plan, d->source, d, seen++);
        }
        for (i = 0; i < devs->len; i++) {
            const vdDevice *d = g_ptr_array_index(devs, i);

            if (!d->source)
                vdPlanAdd(plan, VD_EDIT_ADD_DEVICE, d, i, VD_PROP_LAST, d->origin, false);
        }
    }
    return plan;
}


guint
vdPlanLength(const vdPlan *plan)
{
    return plan->edits->len;
}


const vdEdit *
vdPlanGet(const vdPlan *plan,
          guint i)
{
    return i < plan->edits->len ? &g_array_index(plan->edits, vdEdit, i) : NULL;
}


bool
vdPlanIsEmpty(const vdPlan *plan,
              unsigned int flags)
{
    guint i;

    for (i = 0; i < plan->edits->len; i++) {
        const vdEdit *e = &g_array_index(plan->edits, vdEdit, i);

        if (!(flags & VD_PLAN_VALUES_ONLY) || !e->sameValue)
            return false;
    }
    return true;
}


/* The view as the plan leaves it, for naming the devices its edits are about
 * (vdDomainDefKeys()); valid until the plan is applied or freed. */
const vdDomainDef *
vdPlanView(const vdPlan *plan)
{
    return plan->planned;
}


/* The value an edit writes, for messages: a property, the arch or the machine. */
const char *
vdPlanEditValue(const vdPlan *plan,
                const vdEdit *edit)
{
    switch (edit->type) {
    case VD_EDIT_SET_ARCH:
        return plan->planned->newArch;
    case VD_EDIT_SET_MACHINE:
        return plan->planned->newMachine;
    case VD_EDIT_SET_PROP:
        return vdDeviceGet(edit->planned, edit->prop);
    case VD_EDIT_SET_ADDRESS:
    case VD_EDIT_REMOVE_DEVICE:
    case VD_EDIT_ADD_DEVICE:
    case VD_EDIT_LAST:
        break;
    }
    return NULL;
}


/* Apply one edit.  The plan is spent as it goes: values and added devices move from
 * its copy into @def instead of being copied again. */
static void
vdPlanApplyEdit(vdPlan *plan,
                const vdEdit *e,
                vdDomainDef *def)
{
    GPtrArray *devs = e->kind < VD_DEVICE_LAST ? def->devices[e->kind] : NULL;
    vdDevice *dev = devs && e->type != VD_EDIT_ADD_DEVICE ? g_ptr_array_index(devs, e->index) : NULL;
    vdDevice *planned = (vdDevice *)e->planned;

    switch (e->type) {
    case VD_EDIT_SET_ARCH:
        g_free(def->newArch);
        def->newArch = g_steal_pointer(&plan->planned->newArch);
        break;
    case VD_EDIT_SET_MACHINE:
        g_free(def->newMachine);
        def->newMachine = g_steal_pointer(&plan->planned->newMachine);
        def->machineOrigin = plan->planned->machineOrigin;
        break;
    case VD_EDIT_SET_PROP:
        vdDeviceTake(dev, e->prop, g_steal_pointer(&planned->props[e->prop]),
                     planned->propOrigin[e->prop]);
        break;
    case VD_EDIT_SET_ADDRESS:
        vdAddressClear(&dev->addr);
        dev->addr = planned->addr;
        planned->addr.usbPort = NULL;
        dev->addrChanged = planned->addrChanged;
        dev->addrOrigin = planned->addrOrigin;
        break;
    case VD_EDIT_REMOVE_DEVICE:
        dev->removed = true;
        break;
    case VD_EDIT_ADD_DEVICE:
        /* the copy's array keeps a NULL where the device stood */
        plan->planned->devices[e->kind]->pdata[e->index] = NULL;
        planned->copyOf = NULL;
        g_ptr_array_insert(devs, e->index, planned);
        break;
    case VD_EDIT_LAST:
        break;
    }
}


/* Where the devices of the plan's copy that derive from another (a console mirroring
 * a serial port) find it: kind and position, which are the same in @def once the
 * plan is applied.  Read before applying, which empties the copy. */
static GArray *
vdPlanCopyOfPositions(const vdPlan *plan)
{
    GArray *links = g_array_new(FALSE, FALSE, sizeof(vdPlanLink));
    size_t k;
    guint i;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        GPtrArray *devs = plan->planned->devices[k];

        for (i = 0; i < devs->len; i++) {
            const vdDevice *p = g_ptr_array_index(devs, i);
            guint at;

            if (p->copyOf && g_ptr_array_find(plan->planned->devices[p->copyOf->kind], p->copyOf, &at)) {
                vdPlanLink link = { k, i, p->copyOf->kind, at };

                g_array_append_val(links, link);
            }
        }
    }
    return links;
}


bool
vdPlanApply(vdPlan *plan,
            vdDomainDef *def,
            GError **error)
{
    g_autoptr(GArray) links = NULL;
    size_t k;
    guint i;

    if (def != plan->def) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL,
                    _("a plan applies only to the definition it was made for"));
        return false;
    }
    links = vdPlanCopyOfPositions(plan);
    for (i = 0; i < plan->edits->len; i++)
        vdPlanApplyEdit(plan, &g_array_index(plan->edits, vdEdit, i), def);
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        if (def->devices[k]->len != plan->planned->devices[k]->len) {
            g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL,
                        _("applying the plan left %1$u %2$s devices where it planned %3$u"),
                        def->devices[k]->len, vdDeviceKindTypeToString(k),
                        plan->planned->devices[k]->len);
            return false;
        }
    }
    for (i = 0; i < links->len; i++) {
        const vdPlanLink *link = &g_array_index(links, vdPlanLink, i);
        vdDevice *d = g_ptr_array_index(def->devices[link->kind], link->index);

        d->copyOf = g_ptr_array_index(def->devices[link->toKind], link->toIndex);
    }
    vdDomainDefAddRules(def, plan->planned->rulesUsed);
    /* the plan described the view as it was, and gave it its values */
    plan->def = NULL;
    g_array_set_size(plan->edits, 0);
    return true;
}
