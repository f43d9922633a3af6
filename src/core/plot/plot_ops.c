/* plot_ops.c — registry table of the plot module: tl.plot, tl.show_map,
 * tl.overlay. The run functions only unpack arguments into the structs of
 * plot.h; the figures are drawn in plot_lines.c, plot_map.c, plot_overlay.c. */
#include <stdlib.h>
#include <string.h>

#include "../registry.h"
#include "plot.h"

/* ---- tl.plot ---- */

enum { P_SERIES, P_OUT, P_TITLE, P_XLABEL, P_YLABEL, P_Y2LABEL, P_WIDTH, P_HEIGHT, P_XRANGE, P_YRANGE,
       P_Y2RANGE, P_LEGEND, P_GRID, P_FONT };

static const tl_arg plot_args[] = {
    [P_SERIES] = {.name = "series", .type = TL_T_RECORD, .flags = TL_REQUIRED,
                  .doc = "list of series {x = {...}, y = {...}, label = 'V', axis = 'left'|'right', colour = 'blue', "
                         "style = 'line'|'dashed'|'markers'|'both', marker = 'circle'|'square'|'triangle'|'diamond', "
                         "width = 2}; x may be omitted (1..n); NaN points break the line"},
    [P_OUT] = {.name = "out", .type = TL_T_STRING, .flags = TL_REQUIRED,
               .doc = "output file: .png (pixels), .pdf or .svg (vector, points) by extension"},
    [P_TITLE] = {.name = "title", .type = TL_T_STRING, .def_str = "", .doc = "title above the plot"},
    [P_XLABEL] = {.name = "xlabel", .type = TL_T_STRING, .def_str = "", .doc = "x-axis label with units, e.g. 'Time (h)'"},
    [P_YLABEL] = {.name = "ylabel", .type = TL_T_STRING, .def_str = "", .doc = "left y-axis label with units"},
    [P_Y2LABEL] = {.name = "y2label", .type = TL_T_STRING, .def_str = "",
                   .doc = "right y-axis label (series with axis = 'right'), e.g. 'Contact area (mm²)'"},
    [P_WIDTH] = {.name = "width", .type = TL_T_INT, .unit = "px", .def = 900, .min = 64, .max = 8000,
                 .doc = "figure width (points for PDF/SVG)"},
    [P_HEIGHT] = {.name = "height", .type = TL_T_INT, .unit = "px", .def = 600, .min = 64, .max = 8000,
                  .doc = "figure height"},
    [P_XRANGE] = {.name = "xrange", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .doc = "{lo, hi} of the x-axis; default: the data"},
    [P_YRANGE] = {.name = "yrange", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .doc = "{lo, hi} of the left y-axis; default: data + 5%"},
    [P_Y2RANGE] = {.name = "y2range", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .doc = "{lo, hi} of the right y-axis"},
    [P_LEGEND] = {.name = "legend", .type = TL_T_CHOICE, .def_str = "top-right",
                  .choices = "top-right top-left bottom-right bottom-left none",
                  .doc = "legend corner inside the axes (series with a label)"},
    [P_GRID] = {.name = "grid", .type = TL_T_BOOL, .def = 0, .doc = "light grey grid at the major ticks"},
    [P_FONT] = {.name = "font_scale", .type = TL_T_NUMBER, .def = 1, .min = 0.25, .max = 4,
                .doc = "multiplies every text size"},
    {0},
};

static const tl_ret path_ret[] = {{.name = "path", .type = TL_T_STRING, .doc = "the file written"}, {0}};

static int get_range(const tl_value *v, const char *who, const char *name, double r[2], int *has, tl_error *err)
{
    *has = 0;
    if (!v->set) return 0;
    if (v->u.nums.n != 2)
        return tl_err(err, "%s: argument '%s' must be {lo, hi} (2 numbers, got %zu)", who, name, v->u.nums.n);
    r[0] = v->u.nums.v[0];
    r[1] = v->u.nums.v[1];
    *has = 1;
    return 0;
}

static const char *rec_str(const tl_value *v) { return v && v->type == TL_T_STRING ? v->u.str : NULL; }

/* One series from its record; `name` is its key in `series` for messages. */
static int parse_series(const char *name, const tl_value *v, tl_plot_series *s, tl_error *err)
{
    if (v->type != TL_T_RECORD)
        return tl_err(err, "plot: series[%s] must be a table {x = ..., y = ...}, got %s", name, tl_type_name(v->type));
    const tl_record *r = v->u.rec;
    memset(s, 0, sizeof *s);
    static const char *known[] = {"x", "y", "label", "axis", "colour", "color", "style", "marker", "width", NULL};
    for (size_t i = 0; i < r->n; i++) {
        int ok = 0;
        for (int k = 0; known[k]; k++) ok |= strcmp(r->names[i], known[k]) == 0;
        if (!ok)
            return tl_err(err, "plot: series[%s] has unknown field '%s' (use x, y, label, axis, colour, style, marker, width)",
                          name, r->names[i]);
        const tl_value *f = &r->vals[i];
        const char *fn = r->names[i];
        int is_array = strcmp(fn, "x") == 0 || strcmp(fn, "y") == 0;
        int is_num = strcmp(fn, "width") == 0;
        /* an empty Lua table may arrive as an empty record */
        int empty_table = f->type == TL_T_RECORD && f->u.rec->n == 0;
        if (is_array && f->type != TL_T_NUMBERS && !empty_table)
            return tl_err(err, "plot: series[%s].%s must be an array of numbers, got %s", name, fn, tl_type_name(f->type));
        if (is_num && f->type != TL_T_NUMBER && f->type != TL_T_INT)
            return tl_err(err, "plot: series[%s].%s must be a number, got %s", name, fn, tl_type_name(f->type));
        if (!is_array && !is_num && f->type != TL_T_STRING)
            return tl_err(err, "plot: series[%s].%s must be a string, got %s", name, fn, tl_type_name(f->type));
    }
    const tl_value *x = tl_record_get(r, "x"), *y = tl_record_get(r, "y");
    if (!y) return tl_err(err, "plot: series[%s] has no y", name);
    size_t ny = y->type == TL_T_NUMBERS ? y->u.nums.n : 0;
    if (ny == 0) return tl_err(err, "plot: series[%s] is empty (y has no values)", name);
    if (x) {
        size_t nx = x->type == TL_T_NUMBERS ? x->u.nums.n : 0;
        if (nx != ny) return tl_err(err, "plot: series[%s] has %zu x values but %zu y values", name, nx, ny);
        s->x = x->u.nums.v;
    }
    s->y = y->u.nums.v;
    s->n = ny;
    s->label = rec_str(tl_record_get(r, "label"));
    const char *axis = rec_str(tl_record_get(r, "axis"));
    if (axis && strcmp(axis, "left") && strcmp(axis, "right"))
        return tl_err(err, "plot: series[%s].axis must be 'left' or 'right' (got '%s')", name, axis);
    s->right_axis = axis && strcmp(axis, "right") == 0;
    s->colour = rec_str(tl_record_get(r, "colour"));
    if (!s->colour) s->colour = rec_str(tl_record_get(r, "color"));
    s->style = rec_str(tl_record_get(r, "style"));
    s->marker = rec_str(tl_record_get(r, "marker"));
    const tl_value *w = tl_record_get(r, "width");
    if (w) s->line_width = w->type == TL_T_INT ? (double)w->u.i : w->u.num;
    return 0;
}

/* Lua arrays arrive as records keyed "1", "2", ...: order those by number
 * (a table's traversal order is not its array order); other keys keep the
 * record's order. */
static int cmp_key(const void *a, const void *b)
{
    const char *const *ka = a, *const *kb = b;
    char *ea, *eb;
    long la = strtol(*ka, &ea, 10), lb = strtol(*kb, &eb, 10);
    int na = !*ea && **ka, nb = !*eb && **kb;
    if (na && nb) return la < lb ? -1 : la > lb;
    return na ? -1 : nb ? 1 : 0;
}

static int run_plot(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_record *sr = a[P_SERIES].u.rec;
    size_t n = sr->n;
    if (n == 0) return tl_err(err, "plot: series is empty (give series = {{x = ..., y = ...}, ...})");
    const char **keys = malloc(n * sizeof *keys);
    tl_plot_series *ser = calloc(n, sizeof *ser);
    int rc = -1;
    if (!keys || !ser) { tl_err(err, "plot: out of memory"); goto done; }
    for (size_t i = 0; i < n; i++) keys[i] = sr->names[i];
    int all_numeric = 1;
    for (size_t i = 0; i < n; i++) {
        char *e;
        strtol(keys[i], &e, 10);
        all_numeric &= *keys[i] && !*e;
    }
    if (all_numeric) qsort(keys, n, sizeof *keys, cmp_key);
    /* a single series given directly (series = {x = ..., y = ...}) */
    if (tl_record_get(sr, "y")) {
        const tl_value self = {.type = TL_T_RECORD, .set = 1, .u.rec = (tl_record *)sr};
        if (parse_series("1", &self, &ser[0], err)) goto done;
        n = 1;
    } else {
        for (size_t i = 0; i < n; i++)
            if (parse_series(keys[i], tl_record_get(sr, keys[i]), &ser[i], err)) goto done;
    }
    tl_plot_spec spec = {
        .series = ser, .nseries = n, .out = a[P_OUT].u.str, .title = a[P_TITLE].u.str,
        .xlabel = a[P_XLABEL].u.str, .ylabel = a[P_YLABEL].u.str, .y2label = a[P_Y2LABEL].u.str,
        .width = (int)a[P_WIDTH].u.i, .height = (int)a[P_HEIGHT].u.i, .legend = a[P_LEGEND].u.str,
        .grid = a[P_GRID].u.b, .font_scale = a[P_FONT].u.num,
    };
    if (get_range(&a[P_XRANGE], "plot", "xrange", spec.xrange, &spec.has_xrange, err) ||
        get_range(&a[P_YRANGE], "plot", "yrange", spec.yrange, &spec.has_yrange, err) ||
        get_range(&a[P_Y2RANGE], "plot", "y2range", spec.y2range, &spec.has_y2range, err))
        goto done;
    if (tl_plot_lines(&spec, err)) goto done;
    rc = tl_rec_string(out, "path", spec.out);
    if (rc) tl_err(err, "plot: out of memory");
done:
    free(keys);
    free(ser);
    return rc;
}

/* ---- tl.show_map ---- */

enum { M_MAP, M_OUT, M_TITLE, M_CMAP, M_UNITS, M_RANGE, M_COLOURS, M_LABELS, M_NAN, M_BAR, M_WIDTH, M_HEIGHT,
       M_AXES, M_FONT, M_TITLES, M_COLUMNS };

/* Options shared by show_map and show_maps. */
#define MAP_OPTION_ARGS \
    [M_OUT] = {.name = "out", .type = TL_T_STRING, .flags = TL_REQUIRED, .doc = "output .png"}, \
    [M_TITLE] = {.name = "title", .type = TL_T_STRING, .def_str = "", .doc = "title above the figure"}, \
    [M_CMAP] = {.name = "colormap", .type = TL_T_CHOICE, .def_str = "viridis", .choices = TL_COLORMAP_NAMES, \
                .doc = "colormap; rdbu and diverging are centred on 0 by default (diverging: blue < 0 < red)"}, \
    [M_UNITS] = {.name = "units", .type = TL_T_STRING, .def_str = "", .doc = "colour-bar label, e.g. 'mA/cm²'"}, \
    [M_RANGE] = {.name = "range", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, \
                 .doc = "{lo, hi} mapped to the ends of the colormap; default: finite min..max (±max|v| for diverging)"}, \
    [M_COLOURS] = {.name = "colours", .type = TL_T_STRINGS, .flags = TL_OPTIONAL, \
                   .doc = "categorical mode: value k (0, 1, ...) drawn in colours[k+1], e.g. {'black', 'green'} for a " \
                          "contact map; a legend replaces the colour bar"}, \
    [M_LABELS] = {.name = "labels", .type = TL_T_STRINGS, .flags = TL_OPTIONAL, \
                  .doc = "legend text, one per colour (categorical mode)"}, \
    [M_NAN] = {.name = "nan_colour", .type = TL_T_STRING, .def_str = "white", \
               .doc = "colour of NaN pixels (no data); infinities take the end colours"}, \
    [M_BAR] = {.name = "scale_bar", .type = TL_T_NUMBER, .unit = "µm", .def = -1, .min = -1, .max = 1e9, \
               .doc = "scale-bar length; -1: automatic (about a fifth of the width, none with axes); 0: none"}, \
    [M_WIDTH] = {.name = "width", .type = TL_T_INT, .unit = "px", .def = 0, .min = 0, .max = 8000, \
                 .doc = "figure width; 0: from the map (small maps enlarged by an integer factor)"}, \
    [M_HEIGHT] = {.name = "height", .type = TL_T_INT, .unit = "px", .def = 0, .min = 0, .max = 8000, \
                  .doc = "figure height; 0: from the map"}, \
    [M_AXES] = {.name = "axes", .type = TL_T_BOOL, .def = 0, \
                .doc = "x and y ticks in µm (mm above 2 mm) on the frame (single maps only)"}, \
    [M_FONT] = {.name = "font_scale", .type = TL_T_NUMBER, .def = 1, .min = 0.25, .max = 4, \
                .doc = "multiplies every text size"}

static const tl_arg map_args[] = {
    [M_MAP] = {.name = "map", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D,
               .doc = "2D map (nz = 1), rows = y drawn top to bottom; its voxel size sets the scale bar"},
    MAP_OPTION_ARGS,
    {0},
};

static const tl_arg maps_args[] = {
    [M_MAP] = {.name = "maps", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED,
               .doc = "stack of maps, one panel per z (e.g. one contact map per scan), at most 64"},
    MAP_OPTION_ARGS,
    [M_TITLES] = {.name = "titles", .type = TL_T_STRINGS, .flags = TL_OPTIONAL,
                  .doc = "one title per panel, e.g. {'0 h', '4 h (-8.9%)', ...}"},
    [M_COLUMNS] = {.name = "columns", .type = TL_T_INT, .def = 0, .min = 0, .max = 64,
                   .doc = "panels per row; 0: all in one row"},
    {0},
};

static int run_maps(const tl_value *a, tl_record *out, tl_error *err, int stack)
{
    const char *who = stack ? "show_maps" : "show_map";
    int has_colours = a[M_COLOURS].set;
    tl_map_opts o = {
        .out = a[M_OUT].u.str, .title = a[M_TITLE].u.str,
        .colormap = has_colours ? NULL : a[M_CMAP].u.str, .units = a[M_UNITS].u.str,
        .colours = has_colours ? (const char *const *)a[M_COLOURS].u.strs.v : NULL,
        .ncolours = has_colours ? a[M_COLOURS].u.strs.n : 0,
        .labels = a[M_LABELS].set ? (const char *const *)a[M_LABELS].u.strs.v : NULL,
        .nlabels = a[M_LABELS].set ? a[M_LABELS].u.strs.n : 0,
        .nan_colour = a[M_NAN].u.str, .scale_bar_um = a[M_BAR].u.num,
        .width = (int)a[M_WIDTH].u.i, .height = (int)a[M_HEIGHT].u.i, .axes = a[M_AXES].u.b,
        .font_scale = a[M_FONT].u.num,
    };
    if (stack) {
        if (a[M_TITLES].set) {
            o.panel_titles = (const char *const *)a[M_TITLES].u.strs.v;
            o.npanel_titles = a[M_TITLES].u.strs.n;
        }
        o.columns = (int)a[M_COLUMNS].u.i;
    }
    if (has_colours && o.ncolours == 0) return tl_err(err, "%s: colours is empty", who);
    if (get_range(&a[M_RANGE], who, "range", o.range, &o.has_range, err)) return -1;
    if ((stack ? tl_show_maps : tl_show_map)(a[M_MAP].u.vol, &o, err)) return -1;
    if (tl_rec_string(out, "path", o.out)) return tl_err(err, "%s: out of memory", who);
    return 0;
}

static int run_show_map(const tl_value *a, tl_record *out, tl_error *err) { return run_maps(a, out, err, 0); }
static int run_show_maps(const tl_value *a, tl_record *out, tl_error *err) { return run_maps(a, out, err, 1); }

/* ---- tl.overlay ---- */

enum { O_SLICE, O_MASK, O_MASKS, O_OUT, O_COLOUR, O_COLOURS, O_LABELS, O_ALPHA, O_RANGE, O_TITLE, O_BAR,
       O_WIDTH, O_HEIGHT, O_FONT };

static const tl_arg overlay_args[] = {
    [O_SLICE] = {.name = "slice", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D,
                 .doc = "grey 2D slice (nz = 1); NaN pixels are drawn black"},
    [O_MASK] = {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_OPTIONAL | TL_VOL_2D,
                .dtypes = TL_DT_INT,
                .doc = "label map of the slice's shape: 0 = nothing, k = drawn in colour k (a 0/1 mask uses 'colour')"},
    [O_MASKS] = {.name = "masks", .type = TL_T_RECORD, .flags = TL_OPTIONAL,
                 .doc = "instead of mask: an array of masks {voids, interphase, ...} (nonzero = inside), mask k in "
                        "colours[k] (default red, cyan, yellow, ...), later masks over earlier ones"},
    [O_OUT] = {.name = "out", .type = TL_T_STRING, .flags = TL_REQUIRED, .doc = "output .png"},
    [O_COLOUR] = {.name = "colour", .type = TL_T_STRING, .def_str = "red",
                  .doc = "colour of label 1 when 'colours' is not given (name or #rrggbb)"},
    [O_COLOURS] = {.name = "colours", .type = TL_T_STRINGS, .flags = TL_OPTIONAL,
                   .doc = "one colour per label 1..n, e.g. {'red', 'cyan'} for voids and interphase"},
    [O_LABELS] = {.name = "labels", .type = TL_T_STRINGS, .flags = TL_OPTIONAL,
                  .doc = "legend text, one per colour; no legend when absent"},
    [O_ALPHA] = {.name = "alpha", .type = TL_T_NUMBER, .def = 0.5, .min = 0, .max = 1,
                 .doc = "weight of the mask colour: pixel = (1 - alpha) grey + alpha colour"},
    [O_RANGE] = {.name = "range", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL,
                 .doc = "{lo, hi} grey window; default: 0.5 and 99.5 percentiles of the slice"},
    [O_TITLE] = {.name = "title", .type = TL_T_STRING, .def_str = "", .doc = "title above the image"},
    [O_BAR] = {.name = "scale_bar", .type = TL_T_NUMBER, .unit = "µm", .def = -1, .min = -1, .max = 1e9,
               .doc = "scale-bar length; -1: automatic; 0: none"},
    [O_WIDTH] = {.name = "width", .type = TL_T_INT, .unit = "px", .def = 0, .min = 0, .max = 8000,
                 .doc = "figure width; 0: from the slice"},
    [O_HEIGHT] = {.name = "height", .type = TL_T_INT, .unit = "px", .def = 0, .min = 0, .max = 8000,
                  .doc = "figure height; 0: from the slice"},
    [O_FONT] = {.name = "font_scale", .type = TL_T_NUMBER, .def = 1, .min = 0.25, .max = 4,
                .doc = "multiplies every text size"},
    {0},
};

static int run_overlay(const tl_value *a, tl_record *out, tl_error *err)
{
    int has_colours = a[O_COLOURS].set;
    tl_overlay_opts o = {
        .out = a[O_OUT].u.str, .title = a[O_TITLE].u.str, .colour = a[O_COLOUR].u.str,
        .colours = has_colours ? (const char *const *)a[O_COLOURS].u.strs.v : NULL,
        .ncolours = has_colours ? a[O_COLOURS].u.strs.n : 0,
        .labels = a[O_LABELS].set ? (const char *const *)a[O_LABELS].u.strs.v : NULL,
        .nlabels = a[O_LABELS].set ? a[O_LABELS].u.strs.n : 0,
        .alpha = a[O_ALPHA].u.num, .scale_bar_um = a[O_BAR].u.num,
        .width = (int)a[O_WIDTH].u.i, .height = (int)a[O_HEIGHT].u.i, .font_scale = a[O_FONT].u.num,
    };
    if (has_colours && o.ncolours == 0) return tl_err(err, "overlay: colours is empty");
    if (get_range(&a[O_RANGE], "overlay", "range", o.range, &o.has_range, err)) return -1;
    if (a[O_MASK].set == a[O_MASKS].set)
        return tl_err(err, "overlay: give either mask (a label map) or masks (an array of masks)");
    if (a[O_MASK].set) {
        if (tl_overlay(a[O_SLICE].u.vol, a[O_MASK].u.vol, &o, err)) return -1;
    } else {
        const tl_record *r = a[O_MASKS].u.rec;
        const tl_volume **ms = calloc(r->n ? r->n : 1, sizeof *ms);
        if (!ms) return tl_err(err, "overlay: out of memory");
        for (size_t i = 0; i < r->n; i++) {
            if (r->vals[i].type != TL_T_VOLUME) {
                free(ms);
                return tl_err(err, "overlay: masks[%s] must be a volume, got %s", r->names[i],
                              tl_type_name(r->vals[i].type));
            }
            ms[i] = r->vals[i].u.vol;
        }
        /* the binding gives a Lua array as keys "1".."n" in order */
        int rc = tl_overlay_masks(a[O_SLICE].u.vol, ms, r->n, &o, err);
        free(ms);
        if (rc) return -1;
    }
    if (tl_rec_string(out, "path", o.out)) return tl_err(err, "overlay: out of memory");
    return 0;
}

const tl_op tl_ops_plot[] = {
    {.name = "plot", .group = "plot", .summary = "Line plot with one or two y-axes to PNG, PDF or SVG",
     .doc = "Draws series of (x, y) points as lines and/or markers with PLplot: axis labels with units, a "
            "legend of the labelled series, an optional second y-axis on the right for series with "
            "axis = 'right' (its label and the left one take the colour of their first series, as in "
            "seed 000 Fig. 4a). Non-finite points break a line into separate runs. Text may use UTF-8 "
            "(µm, mm², mA/cm²) or PLplot escapes (#gm = µ, #u2#d = superscript 2; ## = #). PNG output "
            "carries the provenance in a tEXt chunk; PDF and SVG get a '<file>.provenance.json' sidecar. "
            "Writes atomically.",
     .args = plot_args, .rets = path_ret,
     .example = "tl.plot{series = {{x = t_h, y = volts, label = 'Voltage'},\n"
                "                  {x = scan_h, y = area_mm2, label = 'Contact', axis = 'right', style = 'both'}},\n"
                "        xlabel = 'Time (h)', ylabel = 'Voltage (V)', y2label = 'Contact area (mm²)', out = 'fig4a.png'}",
     .run = run_plot},
    {.name = "show_map", .group = "plot", .summary = "2D map to PNG with a colour bar (or categorical legend) and scale bar",
     .doc = "Draws a map (volume with nz = 1; row 1 at the top) pixel-exact with nearest-neighbour scaling. "
            "Continuous mode: values through a colormap (viridis default; gray, magma, rdbu, diverging) from "
            "range[1] to range[2], with a colour bar labelled with 'units'. Categorical mode (colours given): "
            "value k is drawn in colours[k+1], a legend with 'labels' replaces the colour bar; values must be "
            "integers 0..#colours-1 or NaN (seed 000 Fig. 4c,d: contact maps with {'black', 'green'}). NaN "
            "pixels take nan_colour. The scale bar length comes from the map's voxel size (µm; labelled in mm "
            "from 1 mm).",
     .args = map_args, .rets = path_ret,
     .example = "tl.show_map(contact, {colours = {'black', 'green'}, labels = {'no contact', 'contact'},\n"
                "             title = 'Top interface, 0 h', out = 'out/contact_top_0.png'})",
     .run = run_show_map},
    {.name = "show_maps", .group = "plot", .summary = "A stack of maps side by side (one panel per z) to PNG",
     .doc = "Like show_map for each z of a stack, in one figure: panels in a row (or 'columns' per row) with "
            "their own titles, one shared colour scale (range over all panels) or categorical legend, and the "
            "scale bar on the first panel. Made for seed 000 Fig. 4c,d: the contact map of one interface at "
            "every scan, with the contact change in each panel's title.",
     .args = maps_args, .rets = path_ret,
     .example = "tl.show_maps(contact_stack, {colours = {'black', 'yellow'}, labels = {'no contact', 'contact'},\n"
                "              titles = {'0 h', '4 h', '8 h', '12 h'}, out = 'out/fig4d.png'})",
     .run = run_show_maps},
    {.name = "overlay", .group = "plot", .summary = "Segmentation drawn in colour over a grey slice, to PNG",
     .doc = "Draws a grey slice (window 'range', default its 0.5-99.5 percentiles) and blends each labelled "
            "pixel of 'mask' with its colour: (1 - alpha) grey + alpha colour, per channel, rounded (seed "
            "000 Fig. 3b: interfacial voids in red). Several masks: give a label map (1 = voids, 2 = "
            "interphase, ...) and one colour per label, or an array of masks (masks = {...}; later ones on "
            "top where they overlap). A scale bar from the slice's voxel size, an optional legend.",
     .args = overlay_args, .rets = path_ret,
     .example = "tl.overlay(recon:slice('z', 40), voids:slice('z', 40), {colour = 'red', alpha = 0.6, out = 'out/fig3b.png'})\n"
                "tl.overlay(s, {masks = {voids2d, interphase2d}, colours = {'red', 'cyan'}, labels = {'void', 'interphase'}, out = 'o.png'})",
     .run = run_overlay},
    {0},
};
