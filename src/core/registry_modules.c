/* registry_modules.c — the list of module tables. A new module adds its
 * table here and defines it in src/core/<module>/<module>_ops.c. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

extern const tl_op tl_ops_vol[];
extern const tl_op tl_ops_io[];
extern const tl_op tl_ops_dxchange[];
extern const tl_op tl_ops_results[];
extern const tl_op tl_ops_profile[];
extern const tl_op tl_ops_compare[];
extern const tl_op tl_ops_zproject[];
extern const tl_op tl_ops_recon[];
extern const tl_op tl_ops_seg[];
extern const tl_op tl_ops_interface[];
extern const tl_op tl_ops_echem[];
extern const tl_op tl_ops_phantom[];
extern const tl_op tl_ops_cnn[];
extern const tl_op tl_ops_plot[];

static const tl_op *const module_tables[] = {
    tl_ops_vol, tl_ops_profile, tl_ops_compare, tl_ops_zproject, tl_ops_io, tl_ops_dxchange, tl_ops_results, tl_ops_recon, tl_ops_seg, tl_ops_interface,
    tl_ops_echem, tl_ops_phantom, tl_ops_cnn, tl_ops_plot, NULL,
};

#define MAX_OPS 512
#define MAX_CLASSES 32

static const tl_op *all_ops[MAX_OPS + 1];
static const tl_class *all_classes[MAX_CLASSES + 1];
static int built = 0;

static void add_class(const tl_class *c)
{
    if (!c) return;
    size_t i = 0;
    for (; all_classes[i]; i++)
        if (all_classes[i] == c) return;
    if (i < MAX_CLASSES) all_classes[i] = c;
}

static void build(void)
{
    size_t n = 0;
    for (size_t m = 0; module_tables[m]; m++)
        for (const tl_op *op = module_tables[m]; op->name && n < MAX_OPS; op++) {
            all_ops[n++] = op;
            for (size_t i = 0; op->args && op->args[i].name; i++) add_class(op->args[i].cls);
            for (size_t i = 0; op->rets && op->rets[i].name; i++) add_class(op->rets[i].cls);
        }
    all_ops[n] = NULL;
    built = 1;
}

const tl_op *const *tl_registry_all(void)
{
    if (!built) build();
    return all_ops;
}

const tl_class *const *tl_registry_classes(void)
{
    if (!built) build();
    return all_classes;
}

const tl_op *tl_registry_find(const char *name)
{
    for (const tl_op *const *p = tl_registry_all(); *p; p++)
        if (strcmp((*p)->name, name) == 0) return *p;
    for (const tl_class *const *c = tl_registry_classes(); *c; c++)
        for (const tl_op *m = (*c)->methods; m && m->name; m++)
            if (strcmp(m->name, name) == 0) return m;
    return NULL;
}
