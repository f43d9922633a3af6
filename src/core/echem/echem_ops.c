/* echem_ops.c — registry table of the echem module: BioLogic .mpt I/O,
 * Butler–Volmer, the symmetric-cell voltage model, its fit, the current
 * fraction and synthetic curves. Only argument unpacking lives here; the
 * numerics are in the files next to it. */
#include "../registry.h"
#include "butler_volmer.h"
#include "cell_model.h"
#include "fit_cell.h"
#include "mpt.h"
#include "synthetic_mpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static int arg_index(const tl_arg *defs, const char *name)
{
    for (int i = 0; defs[i].name; i++)
        if (strcmp(defs[i].name, name) == 0) return i;
    return -1; /* a registry error: every caller names an argument of its own table */
}

static const tl_value *arg(const tl_arg *defs, const tl_value *args, const char *name)
{
    int i = arg_index(defs, name);
    return i < 0 ? NULL : &args[i];
}

static int given(const tl_arg *defs, const tl_value *args, const char *name)
{
    const tl_value *v = arg(defs, args, name);
    return v && v->set;
}

static double num(const tl_arg *defs, const tl_value *args, const char *name)
{
    const tl_value *v = arg(defs, args, name);
    return v && v->set ? v->u.num : NAN;
}

/* ---- read_mpt ---- */

static const tl_arg read_mpt_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "BioLogic EC-Lab/BT-Lab .mpt text export (Latin-1 or UTF-8, decimal point or comma)"},
    {.name = "require", .type = TL_T_STRINGS, .flags = TL_OPTIONAL,
     .doc = "column names (after aliasing, e.g. {\"time/s\", \"Ewe/V\"}) that must be present, else an error"},
    {0},
};
static const tl_ret read_mpt_rets[] = {
    {"columns", TL_T_RECORD, "", "column name (after aliasing) -> array of numbers, one per data row", NULL},
    {"units", TL_T_RECORD, "", "column name -> unit parsed from the name (\"V\", \"mA\", \"\" when none)", NULL},
    {"names", TL_T_STRINGS, "", "column names in file order (after aliasing)", NULL},
    {"raw_names", TL_T_STRINGS, "", "column names as written in the file", NULL},
    {"technique", TL_T_STRING, "", "technique line of the header (\"Galvanostatic Cycling with Potential Limitation\")", NULL},
    {"header", TL_T_STRING, "", "settings text: the header lines after the technique line, before the column line", NULL},
    {"path", TL_T_STRING, "", "the file read", NULL},
    {"rows", TL_T_INT, "", "number of data rows", NULL},
    {0},
};

static int run_read_mpt(const tl_value *args, tl_record *out, tl_error *err)
{
    const char *path = args[0].u.str;
    tl_mpt t;
    if (tl_mpt_read(path, &t, err)) return -1;
    int rc = -1;
    tl_record *cols = NULL, *units = NULL;
    if (args[1].set)
        for (size_t k = 0; k < args[1].u.strs.n; k++)
            if (tl_mpt_column(&t, args[1].u.strs.v[k]) < 0) {
                char have[512] = "";
                for (size_t c = 0; c < t.ncols && strlen(have) < 400; c++) {
                    strcat(have, c ? ", " : "");
                    strncat(have, t.names[c], 60);
                }
                tl_err(err, "read_mpt: '%s' has no column '%s' (columns: %s)", path, args[1].u.strs.v[k], have);
                goto done;
            }
    cols = tl_record_new();
    units = tl_record_new();
    if (!cols || !units) goto oom;
    for (size_t c = 0; c < t.ncols; c++) {
        if (tl_rec_numbers(cols, t.names[c], t.cols[c], t.nrows)) goto oom;
        if (tl_rec_string(units, t.names[c], t.units[c])) goto oom;
    }
    if (tl_rec_record(out, "columns", cols)) { cols = NULL; goto oom; }
    cols = NULL;
    if (tl_rec_record(out, "units", units)) { units = NULL; goto oom; }
    units = NULL;
    if (tl_rec_strings(out, "names", (const char *const *)t.names, t.ncols) ||
        tl_rec_strings(out, "raw_names", (const char *const *)t.raw_names, t.ncols) ||
        tl_rec_string(out, "technique", t.technique) || tl_rec_string(out, "header", t.header) ||
        tl_rec_string(out, "path", path) || tl_rec_int(out, "rows", (long long)t.nrows))
        goto oom;
    rc = 0;
    goto done;
oom:
    tl_err(err, "read_mpt: out of memory for '%s'", path);
done:
    tl_record_free(cols);
    tl_record_free(units);
    tl_mpt_free(&t);
    return rc;
}

/* ---- write_mpt ---- */

static const tl_arg write_mpt_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "output .mpt file"},
    {.name = "columns", .type = TL_T_RECORD, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "column name (with unit, \"Ewe/V\") -> array of numbers; all of one length"},
    {.name = "names", .type = TL_T_STRINGS, .flags = TL_OPTIONAL,
     .doc = "columns to write, in this order (a table's keys have no order); default: all, sorted by name"},
    {.name = "technique", .type = TL_T_STRING, .def_str = "Galvanostatic Cycling with Potential Limitation",
     .doc = "technique line of the header"},
    {.name = "header", .type = TL_T_STRING, .def_str = "", .doc = "settings text written between the technique line "
     "and the column line (lines separated by \\n), e.g. the header of a file read with read_mpt"},
    {.name = "decimal", .type = TL_T_CHOICE, .def_str = "point", .choices = "point comma",
     .doc = "decimal separator, as an English or a German/French Windows locale exports"},
    {.name = "digits", .type = TL_T_INT, .def = 15, .min = 1, .max = 17,
     .doc = "digits after the decimal point in the mantissa (EC-Lab writes 7 or 15)"},
    {0},
};
static const tl_ret write_mpt_rets[] = {
    {"path", TL_T_STRING, "", "the file written (with a <path>.provenance.json sidecar)", NULL},
    {0},
};

static int run_write_mpt(const tl_value *args, tl_record *out, tl_error *err)
{
    const char *path = args[0].u.str;
    const tl_record *cols = args[1].u.rec;
    size_t ncols = args[2].set ? args[2].u.strs.n : cols->n;
    if (ncols == 0) return tl_err(err, "write_mpt: '%s': no columns to write", path);
    const tl_value **vals = calloc(ncols, sizeof *vals);
    const char **names = calloc(ncols, sizeof *names);
    if (!vals || !names) { free(vals); free(names); return tl_err(err, "write_mpt: out of memory"); }
    int rc = -1;
    tl_mpt t;
    memset(&t, 0, sizeof t);
    for (size_t c = 0; c < ncols; c++) {
        names[c] = args[2].set ? args[2].u.strs.v[c] : cols->names[c];
        vals[c] = tl_record_get(cols, names[c]);
        if (!vals[c]) { tl_err(err, "write_mpt: '%s': names lists '%s' but columns has no such entry", path, names[c]); goto done; }
        if (vals[c]->type != TL_T_NUMBERS) {
            tl_err(err, "write_mpt: '%s': column '%s' must be an array of numbers, got %s", path, names[c],
                   tl_type_name(vals[c]->type));
            goto done;
        }
        if (vals[c]->u.nums.n != vals[0]->u.nums.n) {
            tl_err(err, "write_mpt: '%s': column '%s' has %zu rows but '%s' has %zu", path, names[c],
                   vals[c]->u.nums.n, names[0], vals[0]->u.nums.n);
            goto done;
        }
        for (size_t d = 0; d < c; d++)
            if (strcmp(names[d], names[c]) == 0) { tl_err(err, "write_mpt: names lists '%s' twice", names[c]); goto done; }
    }
    if (tl_mpt_alloc(&t, ncols, vals[0]->u.nums.n, err)) goto done;
    for (size_t c = 0; c < ncols; c++) {
        if (tl_mpt_set_name(&t, c, names[c], err)) goto done;
        /* keep the name as given: aliasing is for reading */
        free(t.names[c]);
        if (!(t.names[c] = strdup(names[c]))) { tl_err(err, "write_mpt: out of memory"); goto done; }
        if (t.nrows) memcpy(t.cols[c], vals[c]->u.nums.v, t.nrows * sizeof(double));
    }
    t.technique = strdup(args[3].u.str);
    t.header = strdup(args[4].u.str);
    if (!t.technique || !t.header) { tl_err(err, "write_mpt: out of memory"); goto done; }
    tl_mpt_write_opts o = {strcmp(args[5].u.str, "comma") == 0, (int)args[6].u.i, 1};
    if (tl_mpt_write(path, &t, &o, err)) goto done;
    rc = tl_rec_string(out, "path", path);
done:
    tl_mpt_free(&t);
    free(vals); free(names);
    return rc;
}

/* ---- Butler–Volmer ---- */

/* The Butler–Volmer parameters after i0 (bv.* and the cell model share them). */
#define BV_SHAPE_ARGS \
    {.name = "alpha_a", .type = TL_T_NUMBER, .flags = TL_MIN_EXCL, .def = 0.5, .min = 0, .max = 100, \
     .doc = "anodic charge-transfer coefficient"}, \
    {.name = "alpha_c", .type = TL_T_NUMBER, .flags = TL_MIN_EXCL, .def = 0.5, .min = 0, .max = 100, \
     .doc = "cathodic charge-transfer coefficient"}, \
    {.name = "T", .type = TL_T_NUMBER, .flags = TL_MIN_EXCL, .unit = "K", .def = 298.15, .min = 0, .max = 1e4, \
     .doc = "temperature"}

#define BV_PARAM_ARGS \
    {.name = "i0", .type = TL_T_NUMBER, .flags = TL_REQUIRED | TL_MIN_EXCL, .unit = "mA/cm²", .min = 0, .max = 1e12, \
     .doc = "exchange current density"}, \
    BV_SHAPE_ARGS

static const tl_arg bv_current_args[] = {
    {.name = "eta", .type = TL_T_NUMBERS, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "V",
     .doc = "overpotentials (a one-element array for a single value)"},
    BV_PARAM_ARGS,
    {0},
};
static const tl_ret bv_current_rets[] = {
    {"current", TL_T_NUMBERS, "mA/cm²", "current density at each eta; positive = anodic (Li stripping)", NULL},
    {0},
};
static const tl_arg bv_eta_args[] = {
    {.name = "current", .type = TL_T_NUMBERS, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "mA/cm²",
     .doc = "current densities, positive = anodic (a one-element array for a single value)"},
    BV_PARAM_ARGS,
    {0},
};
static const tl_ret bv_eta_rets[] = {
    {"eta", TL_T_NUMBERS, "V", "overpotential carrying each current density", NULL},
    {0},
};

static tl_bv_params bv_from(const tl_value *args)
{
    tl_bv_params p = {args[1].u.num, args[2].u.num, args[3].u.num, args[4].u.num};
    return p;
}

static int run_bv_series(const tl_value *args, tl_record *out, tl_error *err, int inverse)
{
    tl_bv_params p = bv_from(args);
    size_t n = args[0].u.nums.n;
    double *y = malloc((n ? n : 1) * sizeof *y);
    if (!y) return tl_err(err, "bv: out of memory for %zu values", n);
    int rc = inverse ? tl_bv_overpotential_n(&p, args[0].u.nums.v, y, n, err)
                     : tl_bv_current_n(&p, args[0].u.nums.v, y, n, err);
    if (rc == 0) rc = tl_rec_numbers(out, inverse ? "eta" : "current", y, n);
    free(y);
    return rc;
}
static int run_bv_current(const tl_value *args, tl_record *out, tl_error *err) { return run_bv_series(args, out, err, 0); }
static int run_bv_eta(const tl_value *args, tl_record *out, tl_error *err) { return run_bv_series(args, out, err, 1); }

/* ---- the cell model's shared arguments ---- */

#define CELL_ARGS \
    {.name = "time", .type = TL_T_NUMBERS, .flags = TL_REQUIRED, .unit = "s", \
     .doc = "sample times of the voltage series (non-decreasing)"}, \
    {.name = "current", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "mA", \
     .doc = "applied current at each time (> 0: top electrode strips); or give step_times + step_currents"}, \
    {.name = "step_times", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "s", \
     .doc = "galvanostatic steps: start time of each step (increasing); zero current before the first"}, \
    {.name = "step_currents", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "mA", \
     .doc = "current of each step (> 0: top electrode strips, < 0: bottom strips, 0: rest)"}, \
    {.name = "contact_time", .type = TL_T_NUMBERS, .flags = TL_REQUIRED, .unit = "s", \
     .doc = "times of the contact-area measurements (scan times); areas are interpolated linearly, held outside"}, \
    {.name = "contact_top", .type = TL_T_NUMBERS, .flags = TL_REQUIRED, .unit = "mm²", \
     .doc = "Li/electrolyte contact area of the top interface at each contact_time"}, \
    {.name = "contact_bottom", .type = TL_T_NUMBERS, .flags = TL_REQUIRED, .unit = "mm²", \
     .doc = "contact area of the bottom interface at each contact_time"}, \
    {.name = "contact_scale", .type = TL_T_NUMBER, .flags = TL_MIN_EXCL, .def = 1, .min = 0, .max = 1e6, \
     .doc = "factor on both contact areas (seed 000 compares 1, 0.25, 0.01)"}, \
    {.name = "interphase_time", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "s", \
     .doc = "times of the interphase thickness measurements"}, \
    {.name = "interphase_thickness", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "µm", \
     .doc = "total interphase thickness (both interfaces) at each interphase_time; absent: no interphase"}, \
    {.name = "electrolyte_thickness", .type = TL_T_NUMBER, .flags = TL_REQUIRED, .unit = "µm", .min = 0, .max = 1e6, \
     .doc = "solid electrolyte thickness between the two interfaces"}, \
    {.name = "kappa_electrolyte", .type = TL_T_NUMBER, .flags = TL_MIN_EXCL, .unit = "S/cm", .def = 2.1e-3, \
     .min = 0, .max = 1e6, .doc = "electrolyte ionic conductivity (default: LSPS at 20 °C, seed 000)"}, \
    {.name = "kappa_interphase", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .unit = "S/cm", \
     .min = 0, .max = 1e6, .doc = "interphase ionic conductivity (needed with interphase_thickness)"}, \
    {.name = "i0", .type = TL_T_NUMBER, .flags = TL_REQUIRED | TL_MIN_EXCL, .unit = "mA/cm²", .min = 0, .max = 1e12, \
     .doc = "exchange current density of Li/electrolyte (both interfaces)"}, \
    BV_SHAPE_ARGS

/* Unpack the shared arguments. *current_buf is malloc'ed when the current
 * comes from steps (free it after use). */
static int cell_from_args(const tl_arg *defs, const tl_value *args, const char *who, tl_cell_inputs *in,
                          tl_cell_params *p, double **current_buf, tl_error *err)
{
    memset(in, 0, sizeof *in);
    *current_buf = NULL;
    const tl_value *time = arg(defs, args, "time");
    in->time = time->u.nums.v;
    in->n = time->u.nums.n;
    if (in->n == 0) return tl_err(err, "%s: time is empty", who);
    int has_cur = given(defs, args, "current");
    int has_steps = given(defs, args, "step_times") || given(defs, args, "step_currents");
    if (has_cur && has_steps) return tl_err(err, "%s: give either current or step_times + step_currents, not both", who);
    if (!has_cur && !has_steps) return tl_err(err, "%s: the applied current is missing: give current or step_times + "
                                              "step_currents", who);
    if (has_cur) {
        const tl_value *cur = arg(defs, args, "current");
        if (cur->u.nums.n != in->n)
            return tl_err(err, "%s: current has %zu values but time has %zu", who, cur->u.nums.n, in->n);
        in->current = cur->u.nums.v;
    } else {
        if (!given(defs, args, "step_times") || !given(defs, args, "step_currents"))
            return tl_err(err, "%s: step_times and step_currents go together", who);
        const tl_value *st = arg(defs, args, "step_times"), *sc = arg(defs, args, "step_currents");
        if (st->u.nums.n != sc->u.nums.n)
            return tl_err(err, "%s: step_times has %zu values but step_currents has %zu", who, st->u.nums.n,
                          sc->u.nums.n);
        double *buf = malloc(in->n * sizeof *buf);
        if (!buf) return tl_err(err, "%s: out of memory", who);
        if (tl_current_from_steps(in->time, in->n, st->u.nums.v, sc->u.nums.v, st->u.nums.n, buf, err)) {
            free(buf);
            return tl_err_prefix(err, "%s: ", who);
        }
        in->current = *current_buf = buf;
    }
    const tl_value *ct = arg(defs, args, "contact_time"), *top = arg(defs, args, "contact_top"),
                   *bot = arg(defs, args, "contact_bottom");
    if (top->u.nums.n != ct->u.nums.n || bot->u.nums.n != ct->u.nums.n) {
        tl_err(err, "%s: contact_time, contact_top and contact_bottom must have one length (got %zu, %zu, %zu)",
               who, ct->u.nums.n, top->u.nums.n, bot->u.nums.n);
        goto fail;
    }
    in->area_top = (tl_series){ct->u.nums.v, top->u.nums.v, ct->u.nums.n};
    in->area_bottom = (tl_series){ct->u.nums.v, bot->u.nums.v, ct->u.nums.n};
    int has_it = given(defs, args, "interphase_time"), has_il = given(defs, args, "interphase_thickness");
    if (has_it != has_il) {
        tl_err(err, "%s: interphase_time and interphase_thickness go together", who);
        goto fail;
    }
    if (has_il) {
        const tl_value *it = arg(defs, args, "interphase_time"), *il = arg(defs, args, "interphase_thickness");
        if (it->u.nums.n != il->u.nums.n) {
            tl_err(err, "%s: interphase_time has %zu values but interphase_thickness has %zu", who, it->u.nums.n,
                   il->u.nums.n);
            goto fail;
        }
        in->interphase = (tl_series){it->u.nums.v, il->u.nums.v, it->u.nums.n};
        if (!given(defs, args, "kappa_interphase")) {
            tl_err(err, "%s: kappa_interphase (S/cm) is required with interphase_thickness", who);
            goto fail;
        }
    }
    in->contact_scale = num(defs, args, "contact_scale");
    in->electrolyte_thickness = num(defs, args, "electrolyte_thickness");
    p->bv.i0 = num(defs, args, "i0");
    p->bv.alpha_a = num(defs, args, "alpha_a");
    p->bv.alpha_c = num(defs, args, "alpha_c");
    p->bv.T = num(defs, args, "T");
    p->kappa_electrolyte = num(defs, args, "kappa_electrolyte");
    /* Without an interphase its conductivity never enters the voltage. */
    p->kappa_interphase = given(defs, args, "kappa_interphase") ? num(defs, args, "kappa_interphase") : 1.0;
    if (tl_cell_params_check(p, who, err)) goto fail;
    return 0;
fail: /* the step current, if built, is not handed back */
    free(*current_buf);
    *current_buf = NULL;
    return -1;
}

/* ---- cell_voltage ---- */

static const tl_arg cell_voltage_args[] = {
    CELL_ARGS,
    {0},
};
static const tl_ret cell_voltage_rets[] = {
    {"voltage", TL_T_NUMBERS, "V", "cell voltage φ_top − φ_bottom = eta_top − eta_bottom + ohmic_electrolyte + "
     "ohmic_interphase", NULL},
    {"eta_top", TL_T_NUMBERS, "V", "Butler–Volmer overpotential of the top interface at current density i_top", NULL},
    {"eta_bottom", TL_T_NUMBERS, "V", "overpotential of the bottom interface at i_bottom (opposite sign to eta_top)", NULL},
    {"ohmic_electrolyte", TL_T_NUMBERS, "V", "i_app · electrolyte_thickness / kappa_electrolyte", NULL},
    {"ohmic_interphase", TL_T_NUMBERS, "V", "i_app · interphase_thickness(t) / kappa_interphase", NULL},
    {"i_top", TL_T_NUMBERS, "mA/cm²", "local current density at the top interface, +I / A_top", NULL},
    {"i_bottom", TL_T_NUMBERS, "mA/cm²", "local current density at the bottom interface, −I / A_bottom", NULL},
    {"i_app", TL_T_NUMBERS, "mA/cm²", "(i_top − i_bottom) / 2, the current density of the ohmic terms", NULL},
    {"current", TL_T_NUMBERS, "mA", "applied current at each time", NULL},
    {0},
};

static int run_cell_voltage(const tl_value *args, tl_record *out, tl_error *err)
{
    tl_cell_inputs in;
    tl_cell_params p;
    double *cur = NULL;
    if (cell_from_args(cell_voltage_args, args, "cell_voltage", &in, &p, &cur, err)) return -1;
    tl_cell_state st;
    if (tl_cell_prepare(&in, &st, err)) { free(cur); return tl_err_prefix(err, "cell_voltage: "); }
    size_t n = in.n;
    double *buf = malloc(5 * n * sizeof *buf);
    int rc = -1;
    if (!buf) { tl_err(err, "cell_voltage: out of memory for %zu samples", n); goto done; }
    tl_cell_terms t = {buf, buf + n, buf + 2 * n, buf + 3 * n, buf + 4 * n};
    tl_cell_eval(&st, &p, 0, n, &t);
    if (tl_rec_numbers(out, "voltage", t.voltage, n) || tl_rec_numbers(out, "eta_top", t.eta_top, n) ||
        tl_rec_numbers(out, "eta_bottom", t.eta_bottom, n) ||
        tl_rec_numbers(out, "ohmic_electrolyte", t.ohm_electrolyte, n) ||
        tl_rec_numbers(out, "ohmic_interphase", t.ohm_interphase, n) || tl_rec_numbers(out, "i_top", st.i_top, n) ||
        tl_rec_numbers(out, "i_bottom", st.i_bottom, n) || tl_rec_numbers(out, "i_app", st.i_app, n) ||
        tl_rec_numbers(out, "current", in.current, n)) {
        tl_err(err, "cell_voltage: out of memory");
        goto done;
    }
    rc = 0;
done:
    free(buf); free(cur);
    tl_cell_state_free(&st);
    return rc;
}

/* ---- fit_cell ---- */

static const tl_arg fit_cell_args[] = {
    {.name = "voltage", .type = TL_T_NUMBERS, .flags = TL_REQUIRED, .unit = "V",
     .doc = "measured cell voltage at each time (e.g. read_mpt(...).columns[\"Ewe/V\"])"},
    CELL_ARGS,
    {.name = "fit", .type = TL_T_STRINGS, .flags = TL_OPTIONAL,
     .doc = "parameters to fit, from i0 kappa_interphase kappa_electrolyte alpha_a alpha_c; default {\"i0\", "
            "\"kappa_interphase\"}; their given values are the start"},
    {.name = "window", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "s",
     .doc = "{t0, t1}: fit the samples with t0 <= time <= t1 (default: all)"},
    {.name = "lower", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL,
     .doc = "lower bound of each fitted parameter, in its unit (> 0; default: none)"},
    {.name = "upper", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL,
     .doc = "upper bound of each fitted parameter, in its unit (default: none)"},
    {.name = "max_iter", .type = TL_T_INT, .def = 200, .min = 1, .max = 100000,
     .doc = "Levenberg–Marquardt iterations at most"},
    {0},
};
static const tl_ret fit_cell_rets[] = {
    {"values", TL_T_RECORD, "", "fitted parameter -> value (i0 in mA/cm², kappa_* in S/cm)", NULL},
    {"std_errors", TL_T_RECORD, "", "fitted parameter -> standard error from (JᵀJ)⁻¹ s² (delta method on log p)", NULL},
    {"params", TL_T_RECORD, "", "every model parameter after the fit (i0, alpha_a, alpha_c, T, kappa_electrolyte, "
     "kappa_interphase), ready to pass to cell_voltage", NULL},
    {"rms", TL_T_NUMBER, "V", "root mean square residual in the window", NULL},
    {"fitted", TL_T_NUMBERS, "V", "model voltage at the window's samples", NULL},
    {"time", TL_T_NUMBERS, "s", "the window's sample times", NULL},
    {"residuals", TL_T_NUMBERS, "V", "fitted − measured at the window's samples", NULL},
    {"iterations", TL_T_INT, "", "Levenberg–Marquardt iterations used", NULL},
    {"converged", TL_T_BOOL, "", "true if a tolerance was met before max_iter", NULL},
    {0},
};

static int run_fit_cell(const tl_value *args, tl_record *out, tl_error *err)
{
    const tl_arg *defs = fit_cell_args;
    tl_cell_inputs in;
    tl_cell_params p;
    double *cur = NULL;
    if (cell_from_args(defs, args, "fit_cell", &in, &p, &cur, err)) return -1;
    const tl_value *meas = arg(defs, args, "voltage");
    if (meas->u.nums.n != in.n) {
        free(cur);
        return tl_err(err, "fit_cell: voltage has %zu values but time has %zu", meas->u.nums.n, in.n);
    }
    tl_cell_fit_opts o;
    memset(&o, 0, sizeof o);
    o.max_iter = (int)arg(defs, args, "max_iter")->u.i;
    o.t0 = -INFINITY; o.t1 = INFINITY;
    int rc = -1;
    tl_cell_state st;
    memset(&st, 0, sizeof st);
    tl_cell_fit_result res;
    memset(&res, 0, sizeof res);
    tl_record *values = NULL, *errs = NULL, *params = NULL;
    if (given(defs, args, "window")) {
        const tl_value *w = arg(defs, args, "window");
        if (w->u.nums.n != 2 || !(w->u.nums.v[0] <= w->u.nums.v[1])) {
            tl_err(err, "fit_cell: window must be {t0, t1} with t0 <= t1 (s)");
            goto done;
        }
        o.t0 = w->u.nums.v[0]; o.t1 = w->u.nums.v[1];
    }
    if (given(defs, args, "fit")) {
        const tl_value *f = arg(defs, args, "fit");
        if (f->u.strs.n == 0 || f->u.strs.n > TL_CELL_NPARAMS) {
            tl_err(err, "fit_cell: fit must name 1 to %d parameters", TL_CELL_NPARAMS);
            goto done;
        }
        for (size_t j = 0; j < f->u.strs.n; j++) {
            int id = tl_cell_param_id(f->u.strs.v[j]);
            if (id < 0) {
                tl_err(err, "fit_cell: fit names '%s', not one of i0 kappa_interphase kappa_electrolyte alpha_a "
                       "alpha_c", f->u.strs.v[j]);
                goto done;
            }
            o.which[o.nfit++] = id;
        }
    } else {
        o.which[0] = TL_CELL_I0;
        o.which[1] = TL_CELL_KAPPA_INTERPHASE;
        o.nfit = 2;
    }
    for (size_t j = 0; j < o.nfit; j++) {
        if (o.which[j] == TL_CELL_KAPPA_INTERPHASE && !in.interphase.n) {
            tl_err(err, "fit_cell: kappa_interphase cannot be fitted without interphase_time and interphase_thickness");
            goto done;
        }
        o.lower[j] = 0;
        o.upper[j] = INFINITY;
    }
    const char *bname[2] = {"lower", "upper"};
    for (int b = 0; b < 2; b++) {
        if (!given(defs, args, bname[b])) continue;
        const tl_value *v = arg(defs, args, bname[b]);
        if (v->u.nums.n != o.nfit) {
            tl_err(err, "fit_cell: %s has %zu values but %zu parameters are fitted", bname[b], v->u.nums.n, o.nfit);
            goto done;
        }
        for (size_t j = 0; j < o.nfit; j++) {
            if (!(v->u.nums.v[j] > 0)) {
                tl_err(err, "fit_cell: %s bound of '%s' must be > 0 (got %g)", bname[b],
                       tl_cell_param_name(o.which[j]), v->u.nums.v[j]);
                goto done;
            }
            (b ? o.upper : o.lower)[j] = v->u.nums.v[j];
        }
    }
    if (tl_cell_prepare(&in, &st, err)) { tl_err_prefix(err, "fit_cell: "); goto done; }
    if (tl_cell_fit(&st, meas->u.nums.v, &p, &o, &res, err)) goto done;

    values = tl_record_new(); errs = tl_record_new(); params = tl_record_new();
    if (!values || !errs || !params) goto oom;
    for (size_t j = 0; j < o.nfit; j++)
        if (tl_rec_number(values, tl_cell_param_name(o.which[j]), res.value[j]) ||
            tl_rec_number(errs, tl_cell_param_name(o.which[j]), res.std_error[j]))
            goto oom;
    if (tl_rec_number(params, "i0", res.params.bv.i0) || tl_rec_number(params, "alpha_a", res.params.bv.alpha_a) ||
        tl_rec_number(params, "alpha_c", res.params.bv.alpha_c) || tl_rec_number(params, "T", res.params.bv.T) ||
        tl_rec_number(params, "kappa_electrolyte", res.params.kappa_electrolyte))
        goto oom;
    if (in.interphase.n && tl_rec_number(params, "kappa_interphase", res.params.kappa_interphase)) goto oom;
    int bad = tl_rec_record(out, "values", values);
    values = NULL;
    bad = bad || tl_rec_record(out, "std_errors", errs);
    errs = NULL;
    bad = bad || tl_rec_record(out, "params", params);
    params = NULL;
    if (bad) goto oom;
    size_t m = res.hi - res.lo;
    double *resid = malloc(m * sizeof *resid);
    if (!resid) goto oom;
    for (size_t i = 0; i < m; i++) resid[i] = res.fitted[i] - meas->u.nums.v[res.lo + i];
    bad = tl_rec_number(out, "rms", res.rms) || tl_rec_numbers(out, "fitted", res.fitted, m) ||
          tl_rec_numbers(out, "time", in.time + res.lo, m) || tl_rec_numbers(out, "residuals", resid, m) ||
          tl_rec_int(out, "iterations", res.iterations) || tl_rec_bool(out, "converged", res.converged);
    free(resid);
    if (bad) goto oom;
    rc = 0;
    goto done;
oom:
    tl_err(err, "fit_cell: out of memory");
done:
    tl_record_free(values); tl_record_free(errs); tl_record_free(params);
    tl_cell_fit_result_free(&res);
    tl_cell_state_free(&st);
    free(cur);
    return rc;
}

/* ---- current_fraction ---- */

static const tl_arg current_fraction_args[] = {
    {.name = "volume_loss", .type = TL_T_NUMBER, .flags = TL_REQUIRED, .unit = "µm³",
     .doc = "lithium metal volume lost from the stripping electrode over the interval"},
    {.name = "current", .type = TL_T_NUMBER, .flags = TL_REQUIRED, .unit = "mA",
     .doc = "applied current (its magnitude is used)"},
    {.name = "duration", .type = TL_T_NUMBER, .flags = TL_REQUIRED | TL_MIN_EXCL, .unit = "s", .min = 0, .max = 1e12,
     .doc = "length of the interval"},
    {.name = "molar_volume", .type = TL_T_NUMBER, .flags = TL_MIN_EXCL, .unit = "cm³/mol", .def = 13.0, .min = 0,
     .max = 1e6, .doc = "molar volume of lithium metal"},
    {0},
};
static const tl_ret current_fraction_rets[] = {
    {"fraction", TL_T_NUMBER, "", "(volume_loss / molar_volume · F) / (|current| · duration)", NULL},
    {0},
};

static int run_current_fraction(const tl_value *args, tl_record *out, tl_error *err)
{
    double f;
    if (tl_current_fraction(args[0].u.num, args[1].u.num, args[2].u.num, args[3].u.num, &f, err)) return -1;
    return tl_rec_number(out, "fraction", f);
}

/* ---- synthetic_mpt ---- */

static const tl_arg synthetic_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "output .mpt file"},
    CELL_ARGS,
    {.name = "noise", .type = TL_T_NUMBER, .unit = "V", .def = 1e-4, .min = 0, .max = 10,
     .doc = "standard deviation of Gaussian noise added to Ewe/V"},
    {.name = "current_noise", .type = TL_T_NUMBER, .unit = "mA", .def = 0, .min = 0, .max = 1e6,
     .doc = "standard deviation of Gaussian noise on the measured I/mA column (control/mA stays exact)"},
    {.name = "seed", .type = TL_T_INT, .def = 0, .min = 0, .max = 9007199254740991.0,
     .doc = "seed of the noise (same seed, same file)"},
    {.name = "decimal", .type = TL_T_CHOICE, .def_str = "point", .choices = "point comma",
     .doc = "decimal separator of the file"},
    {.name = "header", .type = TL_T_STRING, .flags = TL_OPTIONAL,
     .doc = "settings text; default: says the curve is synthetic and lists the model parameters"},
    {0},
};
static const tl_ret synthetic_rets[] = {
    {"path", TL_T_STRING, "", "the file written (with a <path>.provenance.json sidecar)", NULL},
    {"voltage", TL_T_NUMBERS, "V", "the Ewe/V column as written (model + noise)", NULL},
    {"model", TL_T_NUMBERS, "V", "the model voltage without noise", NULL},
    {"current", TL_T_NUMBERS, "mA", "applied current at each time", NULL},
    {0},
};

static int run_synthetic(const tl_value *args, tl_record *out, tl_error *err)
{
    const tl_arg *defs = synthetic_args;
    tl_cell_inputs in;
    tl_cell_params p;
    double *cur = NULL;
    if (cell_from_args(defs, args, "synthetic_mpt", &in, &p, &cur, err)) return -1;
    tl_synthetic_opts o = {
        .noise_voltage = num(defs, args, "noise"),
        .noise_current = num(defs, args, "current_noise"),
        .seed = (uint64_t)arg(defs, args, "seed")->u.i,
        .decimal_comma = strcmp(arg(defs, args, "decimal")->u.str, "comma") == 0,
        .header = given(defs, args, "header") ? arg(defs, args, "header")->u.str : NULL,
    };
    double *v = malloc(2 * in.n * sizeof *v);
    int rc = -1;
    if (!v) { tl_err(err, "synthetic_mpt: out of memory"); goto done; }
    const char *path = args[0].u.str;
    if (tl_synthetic_mpt(path, &in, &p, &o, v, v + in.n, err)) goto done;
    if (tl_rec_string(out, "path", path) || tl_rec_numbers(out, "voltage", v, in.n) ||
        tl_rec_numbers(out, "model", v + in.n, in.n) || tl_rec_numbers(out, "current", in.current, in.n)) {
        tl_err(err, "synthetic_mpt: out of memory");
        goto done;
    }
    rc = 0;
done:
    free(v); free(cur);
    return rc;
}

/* ---- the table ---- */

const tl_op tl_ops_echem[] = {
    {.name = "read_mpt", .group = "echem", .summary = "Read a BioLogic EC-Lab .mpt text export into named columns",
     .doc = "Reads EC-Lab/BT-Lab ASCII exports: 'EC-Lab ASCII FILE', 'Nb header lines : N' (N counts every header "
            "line including the column line), tab-separated columns, decimal point or comma, Latin-1 bytes "
            "(converted to UTF-8: 'µ'). Aliases: <I>/mA -> I/mA; <Ewe>/V, <Ewe/V>, Ecell/V -> Ewe/V (unless the "
            "file already has the canonical name). A file without the two first lines (EC-Lab's no-header "
            "export) is read from its column line. Errors name the file and line: wrong header count, a row "
            "with the wrong number of fields, text in a number field, no data rows.",
     .args = read_mpt_args, .rets = read_mpt_rets,
     .example = "local m = tl.read_mpt(\"cell.mpt\", {require = {\"time/s\", \"Ewe/V\"}})\n"
                "print(#m.columns[\"time/s\"], m.units[\"Ewe/V\"])",
     .run = run_read_mpt},
    {.name = "write_mpt", .group = "echem", .summary = "Write named columns as a BioLogic EC-Lab .mpt text export",
     .doc = "Writes the layout read_mpt reads and EC-Lab exports: Latin-1 bytes, CRLF line ends, a header whose "
            "line count is right, the column line ending in a tab, numbers as d.ddddE+ddd (three-digit "
            "exponent) and the flag/counter columns (mode, ox/red, Ns, ...) as integers. Atomic, with a "
            "provenance sidecar.",
     .args = write_mpt_args, .rets = write_mpt_rets,
     .example = "local m = tl.read_mpt(\"in.mpt\")\n"
                "tl.write_mpt(\"out.mpt\", m.columns, {names = m.names, header = m.header, technique = m.technique})",
     .run = run_write_mpt},
    {.name = "bv.current", .group = "echem", .summary = "Butler–Volmer current density at given overpotentials",
     .doc = "i = i0 (exp(αa F η / RT) − exp(−αc F η / RT)), PyBaMM's convention: positive = anodic (oxidation, Li "
            "stripping). Vectorised: eta is an array (one element for a single value).",
     .args = bv_current_args, .rets = bv_current_rets,
     .example = "local i = tl.bv.current({0.01, -0.02}, {i0 = 1.3})", .run = run_bv_current},
    {.name = "bv.overpotential", .group = "echem",
     .summary = "Overpotential carrying given current densities (inverse Butler–Volmer)",
     .doc = "Solves i = i0 (exp(αa F η / RT) − exp(−αc F η / RT)) for η by safeguarded Newton inside a sign-change "
            "bracket, for any positive α's and any finite current; equals (RT/(αF)) asinh(i / (2 i0)) when "
            "αa = αc = α (to ~1e-15 relative). Vectorised: current is an array.",
     .args = bv_eta_args, .rets = bv_eta_rets,
     .example = "local eta = tl.bv.overpotential({1, 4}, {i0 = 1.3, alpha_a = 0.5, alpha_c = 0.5})[1]",
     .run = run_bv_eta},
    {.name = "cell_voltage", .group = "echem",
     .summary = "Voltage of a Li | electrolyte | Li cell from BV kinetics at both interfaces and ohmic drops",
     .doc = "Seed 000's model. At each time: i_top = +I/A_top(t), i_bottom = −I/A_bottom(t) with the measured "
            "contact areas (linear in time between scans, × contact_scale); η from Butler–Volmer at each "
            "interface; ohmic drops i_app·l/κ through electrolyte and interphase (thickness l_int(t) from the "
            "images) with i_app = (i_top − i_bottom)/2, the mean of the two interfaces' current densities. "
            "V = eta_top − eta_bottom + ohmic_electrolyte + ohmic_interphase = φ_top − φ_bottom: I > 0 strips "
            "the top electrode and gives V > 0. Every term is returned.",
     .args = cell_voltage_args, .rets = cell_voltage_rets,
     .example = "local r = tl.cell_voltage{time = t, step_times = {0, 19800}, step_currents = {0.0314, -0.0314},\n"
                "  contact_time = scans, contact_top = top_mm2, contact_bottom = bottom_mm2,\n"
                "  interphase_time = scans, interphase_thickness = l_um, electrolyte_thickness = 800,\n"
                "  i0 = 1.3, kappa_interphase = 1e-5}\n"
                "print(r.voltage[#r.voltage], r.eta_top[1], r.ohmic_interphase[1])",
     .run = run_cell_voltage},
    {.name = "fit_cell", .group = "echem",
     .summary = "Levenberg–Marquardt fit of cell_voltage parameters to a measured voltage curve",
     .doc = "Fits the named parameters (default i0 and kappa_interphase; start = the given values) to voltage on "
            "a time window, with every other input as in cell_voltage. Positive parameters are fitted as "
            "logarithms, so they stay positive; optional bounds. Jacobian by central differences; standard "
            "errors from (JᵀJ)⁻¹ s², s² = SSR/(m − k), mapped back by the delta method. Seed 000: fit the "
            "first half-cycle, then predict the second with cell_voltage and r.params.",
     .args = fit_cell_args, .rets = fit_cell_rets,
     .example = "local f = tl.fit_cell{voltage = m.columns[\"Ewe/V\"], time = m.columns[\"time/s\"],\n"
                "  current = m.columns[\"I/mA\"], contact_time = scans, contact_top = a_top, contact_bottom = a_bot,\n"
                "  interphase_time = scans, interphase_thickness = l_um, electrolyte_thickness = 800,\n"
                "  i0 = 1, kappa_interphase = 1e-5, window = {0, 19800}}\n"
                "print(f.values.i0, f.std_errors.i0, f.rms)",
     .run = run_fit_cell},
    {.name = "current_fraction", .group = "echem",
     .summary = "Fraction of the charge that stripped lithium metal, from the imaged Li volume loss",
     .doc = "(ΔV_Li / V_m · F) / (|I| · Δt) with V_m = 13.0 cm³/mol (seed 000 found 0.72 and 0.51 for its two "
            "half-cycles at 1 mA/cm²). The rest of the charge went to interphase redox.",
     .args = current_fraction_args, .rets = current_fraction_rets,
     .example = "local f = tl.current_fraction{volume_loss = 1.2e7, current = 0.0314, duration = 19800}",
     .run = run_current_fraction},
    {.name = "synthetic_mpt", .group = "echem",
     .summary = "Write a realistic galvanostatic .mpt from the cell model, with seeded noise",
     .doc = "Evaluates cell_voltage on the given time grid, currents, contact-area and interphase series, adds "
            "Gaussian noise (seeded) and writes an EC-Lab GCPL-style export (mode, ox/red, Ns, time/s, "
            "control/mA, Ewe/V, I/mA, dq/mA.h, (Q-Qo)/mA.h, half cycle, cycle number) with write_mpt's writer; "
            "the header lists the model parameters so the file says it is synthetic.",
     .args = synthetic_args, .rets = synthetic_rets,
     .example = "tl.synthetic_mpt(\"demo/cell.mpt\", {time = t, step_times = {0, 19800}, step_currents = {0.0314, "
                "-0.0314},\n  contact_time = scans, contact_top = a_top, contact_bottom = a_bot,\n"
                "  electrolyte_thickness = 800, i0 = 1.3, noise = 2e-4, seed = 7})",
     .run = run_synthetic},
    {0},
};
