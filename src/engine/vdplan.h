/*
 * vdplan.h: what the engine would change in a definition, as typed edits
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "conf/vddomain.h"
#include "util/vdenum.h"

typedef enum {
    VD_EDIT_SET_ARCH,
    VD_EDIT_SET_MACHINE,
    VD_EDIT_SET_PROP,
    VD_EDIT_SET_ADDRESS,
    VD_EDIT_REMOVE_DEVICE,
    VD_EDIT_ADD_DEVICE,

    VD_EDIT_LAST
} vdEditType;
VD_ENUM_DECL(vdEditType);

typedef struct {
    vdEditType type;
    vdDeviceKind kind;
    /* SET_PROP, SET_ADDRESS, REMOVE_DEVICE: the device's position in its kind in
     * the view the plan was made for; ADD_DEVICE: its position once applied */
    guint index;
    vdProp prop;                 /* SET_PROP */
    const vdDevice *planned;     /* the device as the plan leaves it */
    const char *rule;            /* the table rule or libvirt mechanism behind it */
    /* the value is already there: only its provenance (the stamp's claim) or its
     * spelling changes, nothing the guest sees */
    bool sameValue;
} vdEdit;

typedef struct _vdPlan vdPlan;

typedef enum {
    /* edits that change no value (sameValue) do not count */
    VD_PLAN_VALUES_ONLY = 1 << 0,
} vdPlanEmptyFlags;

vdPlan *vdPlanNew(const vdDomainDef *def, vdDomainDef *planned);
void vdPlanFree(vdPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdPlan, vdPlanFree);

guint vdPlanLength(const vdPlan *plan);
const vdEdit *vdPlanGet(const vdPlan *plan, guint i);
bool vdPlanIsEmpty(const vdPlan *plan, unsigned int flags);
const vdDomainDef *vdPlanView(const vdPlan *plan);
const char *vdPlanEditValue(const vdPlan *plan, const vdEdit *edit);

/* Apply @plan to the view it was made for.  This spends the plan: its values move
 * into @def, and it lists no edits afterwards. */
bool vdPlanApply(vdPlan *plan, vdDomainDef *def, GError **error);
