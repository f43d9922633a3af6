/* results_ops.c — tl.save_results / tl.load_results. */
#include "../registry.h"
#include "results_h5.h"

static int run_save(const tl_value *a, tl_record *out, tl_error *err)
{
    (void)out;
    return tl_results_save(a[1].u.str, a[0].u.rec, err);
}

static int run_load(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_record *r = tl_results_load(a[0].u.str, err);
    return r ? tl_rec_record(out, "results", r) : -1;
}

static const tl_arg save_args[] = {
    {.name = "results", .type = TL_T_RECORD, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "table of results: volumes/maps, arrays of numbers or strings, numbers, strings, nested tables"},
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "HDF5 file to write (atomically)"},
    {0},
};
static const tl_arg load_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "HDF5 file written by save_results (or any HDF5 file)"},
    {0},
};
static const tl_ret load_rets[] = {
    {.name = "results", .type = TL_T_RECORD, .doc = "the same table: groups as tables, datasets as volumes or arrays, attributes as numbers or strings"},
    {0},
};

const tl_op tl_ops_results[] = {
    {.name = "save_results", .group = "io", .summary = "Write a table of results to one HDF5 file, with provenance",
     .doc = "Volumes and 2D maps become datasets (voxel_um attribute, metadata as attributes; large ones chunked "
            "and compressed), arrays of numbers 1-D float64 datasets, arrays of strings string datasets, numbers and "
            "strings attributes of their group, nested tables groups (arrays of tables: groups named 1, 2, ...). "
            "The recipe's provenance is the root attribute 'tomolith_provenance'.",
     .args = save_args, .example = "tl.save_results({contact = {area_mm2 = 0.61, map = c.map}}, \"out/results.h5\")",
     .run = run_save},
    {.name = "load_results", .group = "io", .summary = "Read an HDF5 file back as a table",
     .args = load_args, .rets = load_rets, .example = "r = tl.load_results(\"out/results.h5\"); print(r.contact.area_mm2)",
     .run = run_load},
    {0},
};
