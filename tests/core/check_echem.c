/* check_echem.c — Butler–Volmer against its closed form, the .mpt reader
 * on real and malformed files, the writer round trip, the cell model's
 * terms and signs, the Levenberg–Marquardt fit and the current fraction. */
#include "tl_test.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echem/butler_volmer.h"
#include "echem/cell_model.h"
#include "echem/fit_cell.h"
#include "echem/fit_lm.h"
#include "echem/mpt.h"
#include "echem/synthetic_mpt.h"

/* Small malformed files written by hand for these tests (tests/data/mpt). */
static const char *test_file(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "tests/data/mpt/%s", name);
    ck_assert_msg(access(buf, R_OK) == 0, "%s missing: run check_core from the repository root", buf);
    return buf;
}

static const char *tmp_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/tl_echem_%d_%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), name);
    return buf;
}

static void remove_with_sidecar(const char *path)
{
    char side[600];
    snprintf(side, sizeof side, "%s.provenance.json", path);
    unlink(path);
    unlink(side);
}

/* ---- Butler–Volmer ---- */

START_TEST(test_bv_symmetric_asinh)
{
    /* αa = αc = α: η = (RT/(αF)) asinh(i / (2 i0)), sweeping 24 decades and both signs. */
    const double alphas[] = {0.5, 0.3, 1.0};
    const double i0s[] = {1e-3, 1.3, 250};
    const double Ts[] = {253.15, 298.15, 333.15};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            tl_bv_params p = {i0s[b], alphas[a], alphas[a], Ts[(a + b) % 3]};
            for (double mag = 1e-12; mag < 1e12; mag *= 3.7)
                for (int s = -1; s <= 1; s += 2) {
                    double i = s * mag;
                    double expect = TL_GAS_CONSTANT * p.T / (p.alpha_a * TL_FARADAY) * asinh(i / (2 * p.i0));
                    ck_assert_close(tl_bv_overpotential(&p, i), expect, 1e-12);
                    ck_assert_close(tl_bv_current(&p, expect), i, 1e-12);
                }
        }
    tl_bv_params p = {1, 0.5, 0.5, 298.15};
    ck_assert(tl_bv_overpotential(&p, 0) == 0);
    ck_assert(tl_bv_current(&p, 0) == 0);
}
END_TEST

START_TEST(test_bv_asymmetric_round_trip)
{
    const double pairs[][2] = {{0.3, 0.7}, {0.7, 0.3}, {0.1, 2.0}, {1.5, 0.05}};
    for (int k = 0; k < 4; k++) {
        tl_bv_params p = {0.8, pairs[k][0], pairs[k][1], 298.15};
        for (double eta = -1.0; eta <= 1.0; eta += 0.0137) {
            if (fabs(eta) < 1e-9) continue;
            double i = tl_bv_current(&p, eta);
            ck_assert_close(tl_bv_overpotential(&p, i), eta, 1e-12);
        }
        for (double mag = 1e-9; mag < 1e9; mag *= 5.3)
            for (int s = -1; s <= 1; s += 2) {
                double i = s * mag;
                double eta = tl_bv_overpotential(&p, i);
                ck_assert(eta * i > 0);
                ck_assert_close(tl_bv_current(&p, eta), i, 1e-12);
            }
    }
    /* Tafel limit: at large anodic current η → (RT/(αa F)) ln(i/i0). */
    tl_bv_params p = {1, 0.3, 0.7, 298.15};
    double i = 1e6;
    ck_assert_close(tl_bv_overpotential(&p, i), TL_GAS_CONSTANT * p.T / (0.3 * TL_FARADAY) * log(i / p.i0), 1e-9);
}
END_TEST

START_TEST(test_bv_checks)
{
    tl_error e;
    tl_bv_params bad = {0, 0.5, 0.5, 298.15};
    double x = 1, y;
    ck_assert_int_eq(tl_bv_overpotential_n(&bad, &x, &y, 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "i0"));
    tl_bv_params bad2 = {1, 0.5, -0.1, 298.15};
    ck_assert_int_eq(tl_bv_current_n(&bad2, &x, &y, 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "alpha_c"));
    tl_bv_params ok = {1, 0.5, 0.5, 298.15};
    double inf = INFINITY;
    ck_assert_int_eq(tl_bv_overpotential_n(&ok, &inf, &y, 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "element 1"));
}
END_TEST

/* ---- .mpt reader ---- */

typedef struct {
    const char *file;
    size_t rows, cols;
    const char *technique;
    const char *col;
    double first, last;
} real_case;

START_TEST(test_mpt_real_files)
{
    const real_case cases[] = {
        {"yadg_cp.issue_149.mpt", 44, 27, "Chronopotentiometry", "time/s", 1.099979972212168E+001, 6.198849973901961E+002},
        {"yadg_cp.issue_149.mpt", 44, 27, "Chronopotentiometry", "Ewe/V", 3.4244580, 3.4449370},
        {"yadg_cp.issue_149.mpt", 44, 27, "Chronopotentiometry", "P/W", 6.8501176E-005, 6.8929236E-005},
        {"yadg_gcpl.issue_226.I.mpt", 15, 41, "Galvanostatic Cycling with Potential Limitation", "time/s",
         4.819999878236558E-002, 1.188655969972024E+002},
        {"yadg_gcpl.issue_226.I.mpt", 15, 41, "Galvanostatic Cycling with Potential Limitation", "I/mA", 0.0,
         -1.199578598643252E-001},
        {"yadg_gcpl.issue_226.I.mpt", 15, 41, "Galvanostatic Cycling with Potential Limitation", "Ewe/V",
         -5.0306384E-002, -2.0919827E-001},
        {"yadg_mb.issue_95.de.mpt", 33, 29, "Modulo Bat", "time/s", 0.0, 3.000019924211665E+001},
        {"yadg_mb.issue_95.de.mpt", 33, 29, "Modulo Bat", "Ewe/V", 2.3278546, 2.3260789},
        {"yadg_mb.issue_95.de.mpt", 33, 29, "Modulo Bat", "I/mA", 0.0, -6.4980278E+001},
        {"yadg_mb.issue_95.de.mpt", 33, 29, "Modulo Bat", "|Energy|/W.h", 0.0, 1.067876726294624E-003},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char rel[128];
        snprintf(rel, sizeof rel, "mpt/%s", cases[k].file);
        const char *path = tl_test_shared(rel);
        if (!path) return;
        tl_mpt t;
        tl_error e;
        ck_assert_msg(tl_mpt_read(path, &t, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(t.nrows, cases[k].rows);
        ck_assert_uint_eq(t.ncols, cases[k].cols);
        ck_assert_str_eq(t.technique, cases[k].technique);
        int c = tl_mpt_column(&t, cases[k].col);
        ck_assert_msg(c >= 0, "%s: no column %s", cases[k].file, cases[k].col);
        ck_assert_close(t.cols[c][0], cases[k].first, 1e-15);
        ck_assert_close(t.cols[c][t.nrows - 1], cases[k].last, 1e-15);
        /* Latin-1 µ arrives as UTF-8; units are parsed from the names. */
        int cap = tl_mpt_column(&t, "Capacitance charge/µF");
        ck_assert_msg(cap >= 0, "%s: Capacitance charge/µF not found (Latin-1 µ)", cases[k].file);
        ck_assert_str_eq(t.units[cap], "µF");
        ck_assert_str_eq(t.units[tl_mpt_column(&t, "time/s")], "s");
        ck_assert_str_eq(t.units[tl_mpt_column(&t, "ox/red")], "");
        ck_assert_ptr_nonnull(strstr(t.header, "Run on channel"));
        tl_mpt_free(&t);
    }
}
END_TEST

START_TEST(test_mpt_aliases_and_comma)
{
    tl_mpt t;
    tl_error e;
    ck_assert_msg(tl_mpt_read(test_file("good_comma.mpt"), &t, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(t.nrows, 3);
    ck_assert_uint_eq(t.ncols, 4);
    ck_assert_str_eq(t.names[1], "Ewe/V");
    ck_assert_str_eq(t.raw_names[1], "<Ewe>/V");
    ck_assert_str_eq(t.names[2], "I/mA");
    ck_assert_str_eq(t.units[1], "V");
    ck_assert_str_eq(t.units[2], "mA");
    ck_assert_close(t.cols[1][0], 3.4244580, 1e-15);
    ck_assert_close(t.cols[2][2], -0.02, 1e-15);
    ck_assert_close(t.cols[3][2], 12.0, 1e-15);
    ck_assert_str_eq(t.technique, "Galvanostatic Cycling with Potential Limitation");
    ck_assert_str_eq(t.header, "Electrode surface area : 3,142 mm²\nMade by hand for tomolith tests\n");
    tl_mpt_free(&t);

    /* An alias never hides a column with the canonical name; a headerless export reads. */
    const char *txt = "Ewe/V\tEcell/V\t<I>/mA\n1.5\t2.5\t0.1\n";
    ck_assert_msg(tl_mpt_parse("mem", txt, strlen(txt), &t, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(t.names[0], "Ewe/V");
    ck_assert_str_eq(t.names[1], "Ecell/V");
    ck_assert_str_eq(t.names[2], "I/mA");
    tl_mpt_free(&t);
}
END_TEST

typedef struct { const char *file; const char *a, *b; } bad_case;

START_TEST(test_mpt_malformed)
{
    const bad_case cases[] = {
        {"header_count_too_large.mpt", "line 10 should name the columns but holds numbers", "header line count"},
        {"header_count_too_small.mpt", "line 7", "header line count"},
        {"header_count_past_end.mpt", "line 2 says 'Nb header lines : 99' but the file ends at line", "9"},
        {"missing_column.mpt", "line 11 has 3 fields but the column line (line 8) names 4 columns", "line 11"},
        {"text_in_number.mpt", "line 10: field 2 (Ewe/V) is 'overload', not a number", "line 10"},
        {"empty_data.mpt", "has no data rows after the column line (line 8)", "line 8"},
        {"not_mpt.mpt", "line 1: expected 'EC-Lab ASCII FILE'", "time,voltage"},
        {"unnamed_column.mpt", "line 8: column 2 has no name", "line 8"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tl_mpt t;
        tl_error e;
        const char *path = test_file(cases[k].file);
        ck_assert_int_eq(tl_mpt_read(path, &t, &e), -1);
        ck_assert_msg(strstr(e.msg, cases[k].file), "%s: message does not name the file: %s", cases[k].file, e.msg);
        ck_assert_msg(strstr(e.msg, cases[k].a), "%s: '%s' not in: %s", cases[k].file, cases[k].a, e.msg);
        ck_assert_msg(strstr(e.msg, cases[k].b), "%s: '%s' not in: %s", cases[k].file, cases[k].b, e.msg);
        ck_assert_ptr_null(t.cols);
    }
    tl_mpt t;
    tl_error e;
    ck_assert_int_eq(tl_mpt_read("tests/data/mpt/no_such_file.mpt", &t, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot open 'tests/data/mpt/no_such_file.mpt'"));
    ck_assert_int_eq(tl_mpt_parse("empty", "", 0, &t, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "'empty' is empty"));
    const char *nul = "EC-Lab ASCII FILE\nNb header lines : 3\na\tb\n1\0\t2\n";
    ck_assert_int_eq(tl_mpt_parse("nul", nul, 47, &t, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "NUL"));
}
END_TEST

/* Fuzz-ish: every truncation of a good file either parses or fails with a message. */
START_TEST(test_mpt_truncations)
{
    FILE *fp = fopen(test_file("good_comma.mpt"), "rb");
    char buf[1024];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    for (size_t n = 0; n <= len; n++) {
        tl_mpt t;
        tl_error e;
        e.msg[0] = 0;
        if (tl_mpt_parse("cut", buf, n, &t, &e) == 0) {
            ck_assert_uint_gt(t.nrows, 0);
            tl_mpt_free(&t);
        } else
            ck_assert_msg(strstr(e.msg, "'cut'"), "truncation at %zu: message '%s'", n, e.msg);
    }
}
END_TEST

/* Fuzz: random byte edits towards the characters the parser cares about
 * never crash (ASan in CI) and either parse or fail with a message. */
START_TEST(test_mpt_mutations)
{
    FILE *fp = fopen(test_file("good_comma.mpt"), "rb");
    char orig[1024], buf[1024];
    size_t len = fread(orig, 1, sizeof orig, fp);
    fclose(fp);
    const char alphabet[] = "\t\n\r,.0123456789E+-: \xb5\xc2\x00a";
    uint64_t s = 12345;
    int parsed = 0, failed = 0;
    for (int trial = 0; trial < 3000; trial++) {
        memcpy(buf, orig, len);
        int edits = 1 + (int)(tl_test_rand(&s) % 4);
        for (int k = 0; k < edits; k++)
            buf[tl_test_rand(&s) % len] = alphabet[tl_test_rand(&s) % (sizeof alphabet - 1)];
        tl_mpt t;
        tl_error e;
        e.msg[0] = 0;
        if (tl_mpt_parse("fuzz", buf, len, &t, &e) == 0) {
            ck_assert_uint_gt(t.nrows, 0);
            ck_assert_uint_gt(t.ncols, 0);
            parsed++;
            tl_mpt_free(&t);
        } else {
            ck_assert_msg(strstr(e.msg, "'fuzz'"), "trial %d: message '%s'", trial, e.msg);
            failed++;
        }
    }
    ck_assert(parsed > 0 && failed > 0);
}
END_TEST

/* ---- .mpt writer ---- */

START_TEST(test_mpt_write_round_trip)
{
    tl_error e;
    for (int comma = 0; comma <= 1; comma++) {
        tl_mpt t;
        ck_assert_int_eq(tl_mpt_alloc(&t, 4, 50, &e), 0);
        const char *names[4] = {"mode", "time/s", "Ewe/V", "Capacitance charge/µF"};
        for (int c = 0; c < 4; c++) ck_assert_int_eq(tl_mpt_set_name(&t, c, names[c], &e), 0);
        uint64_t s = 42;
        for (size_t r = 0; r < 50; r++) {
            t.cols[0][r] = r % 3;
            t.cols[1][r] = 10.0 * r + tl_test_uniform(&s);
            t.cols[2][r] = (tl_test_uniform(&s) - 0.5) * 1e-3 * pow(10, (double)(r % 9));
            t.cols[3][r] = r == 7 ? 0.0 : -tl_test_uniform(&s) * 1e-200;
        }
        t.technique = strdup("Galvanostatic Cycling with Potential Limitation");
        t.header = strdup("Electrode surface area : 3.142 mm²\n\nCycle Definition : Charge/Discharge alternance\n");
        tl_mpt_write_opts o = {comma, 16, 1};
        const char *path = tmp_path(comma ? "rt_comma.mpt" : "rt_point.mpt");
        ck_assert_msg(tl_mpt_write(path, &t, &o, &e) == 0, "%s", e.msg);
        tl_mpt u;
        ck_assert_msg(tl_mpt_read(path, &u, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(u.nrows, 50);
        ck_assert_uint_eq(u.ncols, 4);
        ck_assert_str_eq(u.technique, t.technique);
        ck_assert_str_eq(u.header, t.header);
        for (int c = 0; c < 4; c++) {
            ck_assert_str_eq(u.names[c], names[c]);
            for (size_t r = 0; r < 50; r++) ck_assert_close(u.cols[c][r], t.cols[c][r], 1e-16);
        }
        /* Bytes as EC-Lab writes them: Latin-1 µ, CRLF, 3-digit exponents, integer flags. */
        FILE *fp = fopen(path, "rb");
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        buf[n] = 0;
        fclose(fp);
        ck_assert_ptr_nonnull(strstr(buf, "Capacitance charge/\xb5" "F\t\r\n"));
        ck_assert_ptr_nonnull(strstr(buf, "Nb header lines : 9 "));
        ck_assert_ptr_nonnull(strstr(buf, comma ? "\t0,0000000000000000E+000\r\n" : "\t0.0000000000000000E+000\r\n"));
        ck_assert_ptr_nonnull(strstr(buf, "E-20"));
        tl_mpt_free(&u);
        tl_mpt_free(&t);
        remove_with_sidecar(path);
    }
}
END_TEST

START_TEST(test_mpt_write_errors)
{
    tl_error e;
    tl_mpt t;
    ck_assert_int_eq(tl_mpt_alloc(&t, 2, 3, &e), 0);
    tl_mpt_set_name(&t, 0, "time/s", &e);
    tl_mpt_set_name(&t, 1, "Ewe/V", &e);
    t.cols[1][2] = NAN;
    tl_mpt_write_opts o = {0, 15, 0};
    ck_assert_int_eq(tl_mpt_write(tmp_path("nan.mpt"), &t, &o, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "column 'Ewe/V' row 3"));
    ck_assert_int_eq(access(tmp_path("nan.mpt"), F_OK), -1);
    t.cols[1][2] = 0;
    ck_assert_int_eq(tl_mpt_write("/no/such/dir/x.mpt", &t, &o, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "write_mpt"));
    tl_mpt_free(&t);
}
END_TEST

/* ---- cell model ---- */

START_TEST(test_cell_terms_and_signs)
{
    /* Equal areas, α = 0.5: V = 2 (2RT/F) asinh(i/(2 i0)) + i·1e-7 (l_e/κ_e + l_int/κ_int). */
    double time[4] = {0, 100, 200, 300}, cur[4] = {0.0314, 0.0314, -0.0314, 0};
    double ct[2] = {0, 300}, top[2] = {0.785, 0.785}, bot[2] = {0.785, 0.785};
    double it[2] = {0, 300}, il[2] = {0, 30};
    tl_cell_inputs in = {time, 4, cur, {ct, top, 2}, {ct, bot, 2}, {it, il, 2}, 1.0, 800};
    tl_cell_params p = {{1.3, 0.5, 0.5, 298.15}, 2.1e-3, 1e-4};
    tl_cell_state st;
    tl_error e;
    ck_assert_msg(tl_cell_prepare(&in, &st, &e) == 0, "%s", e.msg);
    double v[4], et[4], eb[4], oe[4], oi[4];
    tl_cell_terms t = {v, et, eb, oe, oi};
    tl_cell_eval(&st, &p, 0, 4, &t);
    double i = 0.0314 / 0.785 * 100; /* 4 mA/cm² */
    double eta = 2 * TL_GAS_CONSTANT * 298.15 / TL_FARADAY * asinh(i / 2.6);
    ck_assert_close(st.i_top[0], i, 1e-14);
    ck_assert_close(st.i_bottom[0], -i, 1e-14);
    ck_assert_close(et[0], eta, 1e-12);
    ck_assert_close(eb[0], -eta, 1e-12);
    ck_assert_close(oe[0], i * 1e-7 * 800 / 2.1e-3, 1e-14);
    ck_assert_close(oi[1], i * 1e-7 * 10 / 1e-4, 1e-14); /* l_int(100 s) = 10 µm */
    ck_assert_close(v[1], 2 * eta + i * 1e-7 * (800 / 2.1e-3 + 10 / 1e-4), 1e-13);
    /* Second half-cycle: bottom strips, voltage negative, antisymmetric kinetics. */
    ck_assert_close(v[2], -(2 * eta + i * 1e-7 * (800 / 2.1e-3 + 20 / 1e-4)), 1e-13);
    ck_assert(et[2] < 0 && eb[2] > 0);
    ck_assert(v[3] == 0);
    for (int k = 0; k < 4; k++) ck_assert_close(v[k], et[k] - eb[k] + oe[k] + oi[k], 1e-15);
    tl_cell_state_free(&st);

    /* Halving the top contact raises only the top overpotential. */
    double top2[2] = {0.3925, 0.3925};
    in.area_top.y = top2;
    ck_assert_int_eq(tl_cell_prepare(&in, &st, &e), 0);
    tl_cell_eval(&st, &p, 0, 1, &t);
    ck_assert_close(et[0], 2 * TL_GAS_CONSTANT * 298.15 / TL_FARADAY * asinh(2 * i / 2.6), 1e-12);
    ck_assert_close(eb[0], -eta, 1e-12);
    tl_cell_state_free(&st);
}
END_TEST

START_TEST(test_cell_errors)
{
    double time[3] = {0, 10, 20}, cur[3] = {1, 1, 1}, ct[2] = {0, 20}, top[2] = {1, 0}, bot[2] = {1, 1};
    tl_cell_inputs in = {time, 3, cur, {ct, top, 2}, {ct, bot, 2}, {NULL, NULL, 0}, 1.0, 800};
    tl_cell_state st;
    tl_error e;
    ck_assert_int_eq(tl_cell_prepare(&in, &st, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "top contact area is 0 mm² at t = 20 s (sample 3)"));
    double back[3] = {0, 10, 5};
    in.time = back;
    ck_assert_int_eq(tl_cell_prepare(&in, &st, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "time must not decrease (element 3"));
    in.time = time;
    double negbot[2] = {1, -1};
    in.area_bottom.y = negbot;
    top[1] = 1;
    ck_assert_int_eq(tl_cell_prepare(&in, &st, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "contact_bottom: element 2 is negative"));
}
END_TEST

START_TEST(test_series_and_steps)
{
    double t[3] = {0, 10, 30}, y[3] = {1, 3, 0};
    tl_series s = {t, y, 3};
    ck_assert_close(tl_series_at(&s, -5), 1, 0);
    ck_assert_close(tl_series_at(&s, 5), 2, 1e-15);
    ck_assert_close(tl_series_at(&s, 20), 1.5, 1e-15);
    ck_assert_close(tl_series_at(&s, 99), 0, 0);
    double time[6] = {-1, 0, 5, 10, 15, 20}, start[2] = {0, 10}, cur[2] = {2, -2}, out[6];
    tl_error e;
    ck_assert_int_eq(tl_current_from_steps(time, 6, start, cur, 2, out, &e), 0);
    const double expect[6] = {0, 2, 2, -2, -2, -2};
    for (int k = 0; k < 6; k++) ck_assert_close(out[k], expect[k], 0);
    double bad[2] = {10, 0};
    ck_assert_int_eq(tl_current_from_steps(time, 6, bad, cur, 2, out, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "must increase"));
}
END_TEST

START_TEST(test_cell_threads_identical)
{
    size_t n = 20000;
    double *time = malloc(n * sizeof *time), *cur = malloc(n * sizeof *cur);
    double *v1 = malloc(n * sizeof *v1), *v2 = malloc(n * sizeof *v2);
    for (size_t k = 0; k < n; k++) {
        time[k] = (double)k;
        cur[k] = k < n / 2 ? 0.0314 : -0.0314;
    }
    double ct[3] = {0, 10000, 20000}, top[3] = {0.8, 0.7, 0.75}, bot[3] = {0.8, 0.78, 0.3};
    double it[2] = {0, 20000}, il[2] = {0, 25};
    tl_cell_inputs in = {time, n, cur, {ct, top, 3}, {ct, bot, 3}, {it, il, 2}, 1.0, 800};
    tl_cell_params p = {{1.3, 0.4, 0.6, 298.15}, 2.1e-3, 1e-4};
    tl_cell_state st;
    tl_error e;
    ck_assert_int_eq(tl_cell_prepare(&in, &st, &e), 0);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    tl_cell_terms t1 = {.voltage = v1};
    tl_cell_eval(&st, &p, 0, n, &t1);
    omp_set_num_threads(2);
    tl_cell_terms t2 = {.voltage = v2};
    tl_cell_eval(&st, &p, 0, n, &t2);
    omp_set_num_threads(saved);
    ck_assert(memcmp(v1, v2, n * sizeof *v1) == 0);
    tl_cell_state_free(&st);
    free(time); free(cur); free(v1); free(v2);
}
END_TEST

/* ---- fitting ---- */

typedef struct { const double *x, *y; size_t m; } line_ctx;
static int line_resid(const double *th, double *r, void *vctx, tl_error *err)
{
    (void)err;
    line_ctx *c = vctx;
    for (size_t i = 0; i < c->m; i++) r[i] = th[0] + th[1] * c->x[i] - c->y[i];
    return 0;
}

START_TEST(test_lm_linear_matches_ols)
{
    /* For a linear model LM must land on the OLS solution with OLS standard errors. */
    enum { M = 40 };
    double x[M], y[M];
    uint64_t s = 7;
    for (int i = 0; i < M; i++) {
        x[i] = i * 0.25;
        y[i] = 1.5 - 0.8 * x[i] + 0.05 * (tl_test_uniform(&s) - 0.5);
    }
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < M; i++) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i]; }
    double det = M * sxx - sx * sx;
    double b = (M * sxy - sx * sy) / det, a = (sy - b * sx) / M;
    double ssr = 0;
    for (int i = 0; i < M; i++) ssr += (a + b * x[i] - y[i]) * (a + b * x[i] - y[i]);
    double s2 = ssr / (M - 2);
    line_ctx c = {x, y, M};
    double th[2] = {0, 0}, lo[2] = {-INFINITY, -INFINITY}, hi[2] = {INFINITY, INFINITY};
    tl_lm_opts o = {200, 1e-12, 1e-15};
    tl_lm_result r;
    tl_error e;
    ck_assert_msg(tl_lm_fit(line_resid, &c, 2, M, th, lo, hi, &o, &r, &e) == 0, "%s", e.msg);
    ck_assert(r.converged);
    ck_assert_close(th[0], a, 1e-8);
    ck_assert_close(th[1], b, 1e-8);
    ck_assert_close(r.ssr, ssr, 1e-8);
    ck_assert_close(r.cov[0], s2 * sxx / det, 1e-5);
    ck_assert_close(r.cov[3], s2 * M / det, 1e-5);
    ck_assert_close(r.cov[1], -s2 * sx / det, 1e-5);
    /* A bound that excludes the optimum pins the parameter at the bound. */
    double hi2[2] = {INFINITY, -0.9};
    th[0] = 0; th[1] = -1;
    ck_assert_int_eq(tl_lm_fit(line_resid, &c, 2, M, th, lo, hi2, &o, &r, &e), 0);
    ck_assert_close(th[1], -0.9, 1e-12);
}
END_TEST

/* A realistic two-half-cycle experiment: contact falls at the bottom
 * interface during the second half-cycle, the interphase grows. */
typedef struct {
    size_t n;
    double *time, *cur;
    double ct[6], top[6], bot[6], it[6], il[6];
    tl_cell_inputs in;
} experiment;

static void make_experiment(experiment *x, size_t n)
{
    x->n = n;
    x->time = malloc(n * sizeof(double));
    x->cur = malloc(n * sizeof(double));
    double tend = 36000;
    for (size_t k = 0; k < n; k++) {
        x->time[k] = tend * (double)k / (double)(n - 1);
        x->cur[k] = x->time[k] < 19800 ? 0.0314 : -0.0314;
    }
    const double ct[6] = {0, 7200, 14400, 21600, 28800, 36000};
    const double top[6] = {0.80, 0.78, 0.77, 0.77, 0.76, 0.76};
    const double bot[6] = {0.72, 0.70, 0.66, 0.60, 0.45, 0.38};
    const double il[6] = {2, 6, 10, 13, 15, 16};
    for (int k = 0; k < 6; k++) {
        x->ct[k] = x->it[k] = ct[k];
        x->top[k] = top[k]; x->bot[k] = bot[k]; x->il[k] = il[k];
    }
    tl_cell_inputs in = {x->time, n, x->cur, {x->ct, x->top, 6}, {x->ct, x->bot, 6}, {x->it, x->il, 6}, 1.0, 750};
    x->in = in;
}

static void free_experiment(experiment *x) { free(x->time); free(x->cur); }

START_TEST(test_fit_recovers_i0_kappa)
{
    experiment x;
    make_experiment(&x, 361);
    tl_cell_params truth = {{1.3, 0.5, 0.5, 298.15}, 2.1e-3, 2.0e-4};
    tl_cell_state st;
    tl_error e;
    ck_assert_int_eq(tl_cell_prepare(&x.in, &st, &e), 0);
    double *v = malloc(x.n * sizeof *v);
    tl_cell_terms t = {.voltage = v};
    tl_cell_eval(&st, &truth, 0, x.n, &t);
    uint64_t seed = 2024;
    for (size_t k = 0; k < x.n; k++) v[k] += 5e-4 * tl_echem_gauss(&seed); /* 0.5 mV noise */

    tl_cell_params start = truth;
    start.bv.i0 = 0.2;
    start.kappa_interphase = 1e-3;
    tl_cell_fit_opts o = {{TL_CELL_I0, TL_CELL_KAPPA_INTERPHASE}, 2, {0, 0}, {INFINITY, INFINITY}, 0, 19800, 200};
    tl_cell_fit_result r;
    ck_assert_msg(tl_cell_fit(&st, v, &start, &o, &r, &e) == 0, "%s", e.msg);
    ck_assert(r.converged);
    ck_assert_close(r.value[0], 1.3, 0.02);
    ck_assert_close(r.value[1], 2.0e-4, 0.02);
    /* The reported uncertainty is consistent with the actual error. */
    ck_assert(fabs(r.value[0] - 1.3) < 5 * r.std_error[0]);
    ck_assert(fabs(r.value[1] - 2e-4) < 5 * r.std_error[1]);
    ck_assert(r.std_error[0] > 0 && r.std_error[1] > 0);
    ck_assert_close(r.rms, 5e-4, 0.2);
    ck_assert_uint_eq(r.hi - r.lo, 199); /* t = 0..19800 s every 100 s */
    /* Predict the second half-cycle with the fitted parameters. */
    double pv[400];
    tl_cell_terms pt = {.voltage = pv};
    tl_cell_eval(&st, &r.params, r.hi, x.n, &pt);
    for (size_t k = r.hi; k < x.n; k++) ck_assert(fabs(pv[k - r.hi] - v[k]) < 6e-3);
    tl_cell_fit_result_free(&r);

    /* Bounds hold: an upper bound below the truth pins i0 there. */
    tl_cell_fit_opts ob = o;
    ob.upper[0] = 1.0;
    ck_assert_int_eq(tl_cell_fit(&st, v, &start, &ob, &r, &e), 0);
    ck_assert_close(r.value[0], 1.0, 1e-9);
    tl_cell_fit_result_free(&r);

    /* Too few samples in the window. */
    tl_cell_fit_opts ow = o;
    ow.t0 = 100; ow.t1 = 150;
    ck_assert_int_eq(tl_cell_fit(&st, v, &start, &ow, &r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "holds 1 samples"));
    free(v);
    tl_cell_state_free(&st);
    free_experiment(&x);
}
END_TEST

/* ---- current fraction ---- */

START_TEST(test_current_fraction)
{
    /* 1 mA/cm² on a 2 mm pellet for 5.5 h; the volume that gives seed 000's 0.72. */
    double I = 0.0314159, dt = 19800;
    double dv = 0.72 * I * 1e-3 * dt / TL_FARADAY * 13.0 * 1e12; /* µm³ */
    double f;
    tl_error e;
    ck_assert_int_eq(tl_current_fraction(dv, I, dt, 13.0, &f, &e), 0);
    ck_assert_close(f, 0.72, 1e-14);
    ck_assert_int_eq(tl_current_fraction(dv, -I, dt, 13.0, &f, &e), 0);
    ck_assert_close(f, 0.72, 1e-14);
    /* Hand computation: 1e9 µm³ = 1e-3 cm³ = 7.6923e-5 mol = 7.4219 C over 10 mA·1000 s = 10 C. */
    ck_assert_int_eq(tl_current_fraction(1e9, 10, 1000, 13.0, &f, &e), 0);
    ck_assert_close(f, 1e-3 / 13.0 * TL_FARADAY / 10.0, 1e-14);
    ck_assert_int_eq(tl_current_fraction(dv, 0, dt, 13.0, &f, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "current"));
}
END_TEST

/* ---- synthetic .mpt ---- */

START_TEST(test_synthetic_mpt)
{
    experiment x;
    make_experiment(&x, 121);
    tl_cell_params p = {{1.3, 0.5, 0.5, 298.15}, 2.1e-3, 2.0e-4};
    tl_synthetic_opts o = {2e-4, 1e-6, 99, 1, NULL};
    char path[512], path2[512];
    snprintf(path, sizeof path, "%s", tmp_path("synthetic.mpt"));
    snprintf(path2, sizeof path2, "%s", tmp_path("synthetic2.mpt"));
    double v[121], clean[121];
    tl_error e;
    ck_assert_msg(tl_synthetic_mpt(path, &x.in, &p, &o, v, clean, &e) == 0, "%s", e.msg);
    tl_mpt t;
    ck_assert_msg(tl_mpt_read(path, &t, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(t.nrows, 121);
    ck_assert_str_eq(t.technique, "Galvanostatic Cycling with Potential Limitation");
    ck_assert_ptr_nonnull(strstr(t.header, "i0 : 1.3 mA/cm²"));
    ck_assert_ptr_nonnull(strstr(t.header, "seed 99"));
    int cv = tl_mpt_column(&t, "Ewe/V"), ci = tl_mpt_column(&t, "I/mA"), ch = tl_mpt_column(&t, "half cycle");
    int ctime = tl_mpt_column(&t, "time/s");
    ck_assert(cv >= 0 && ci >= 0 && ch >= 0 && ctime >= 0);
    double dev = 0;
    for (size_t k = 0; k < 121; k++) {
        ck_assert_close(t.cols[cv][k], v[k], 1e-15);
        ck_assert_close(t.cols[ctime][k], x.time[k], 1e-15);
        ck_assert(fabs(t.cols[ci][k] - x.cur[k]) < 1e-5);
        ck_assert_close(t.cols[ch][k], x.time[k] < 19800 ? 0 : 1, 0);
        dev += (v[k] - clean[k]) * (v[k] - clean[k]);
    }
    ck_assert_close(sqrt(dev / 121), 2e-4, 0.3);
    tl_mpt_free(&t);
    /* Same seed, same bytes; another seed, another file. */
    ck_assert_int_eq(tl_synthetic_mpt(path2, &x.in, &p, &o, NULL, NULL, &e), 0);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", path, path2);
    ck_assert_int_eq(system(cmd), 0);
    o.seed = 100;
    ck_assert_int_eq(tl_synthetic_mpt(path2, &x.in, &p, &o, NULL, NULL, &e), 0);
    ck_assert_int_ne(system(cmd), 0);
    remove_with_sidecar(path);
    remove_with_sidecar(path2);
    free_experiment(&x);
}
END_TEST

/* ---- through the registry ---- */

static tl_value nums(const double *v, size_t n)
{
    tl_value x = {.type = TL_T_NUMBERS, .set = 1};
    x.u.nums.v = (double *)v;
    x.u.nums.n = n;
    return x;
}

static void set_arg(const tl_op *op, tl_value *args, const char *name, tl_value v)
{
    int i = tl_op_arg_index(op, name);
    ck_assert_msg(i >= 0, "%s has no argument %s", op->name, name);
    args[i] = v;
}

START_TEST(test_registry_cell_voltage)
{
    const tl_op *op = tl_registry_find("cell_voltage");
    ck_assert_ptr_nonnull(op);
    tl_value args[32];
    memset(args, 0, sizeof args);
    double time[3] = {0, 1, 2}, st[2] = {0, 1.5}, sc[2] = {0.0314, -0.0314};
    double ct[1] = {0}, top[1] = {0.785}, bot[2] = {0.785, 0.5};
    set_arg(op, args, "time", nums(time, 3));
    set_arg(op, args, "step_times", nums(st, 2));
    set_arg(op, args, "step_currents", nums(sc, 2));
    set_arg(op, args, "contact_time", nums(ct, 1));
    set_arg(op, args, "contact_top", nums(top, 1));
    set_arg(op, args, "contact_bottom", nums(bot, 2));
    set_arg(op, args, "electrolyte_thickness", (tl_value){.type = TL_T_NUMBER, .set = 1, .u.num = 800});
    set_arg(op, args, "i0", (tl_value){.type = TL_T_NUMBER, .set = 1, .u.num = 1.3});
    tl_record *out = tl_record_new();
    tl_error e;
    ck_assert_int_eq(tl_op_call(op, args, out, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "contact_time, contact_top and contact_bottom must have one length"));
    set_arg(op, args, "contact_bottom", nums(bot, 1));
    ck_assert_msg(tl_op_call(op, args, out, &e) == 0, "%s", e.msg);
    const tl_value *v = tl_record_get(out, "voltage"), *c = tl_record_get(out, "current");
    ck_assert_uint_eq(v->u.nums.n, 3);
    ck_assert_close(c->u.nums.v[2], -0.0314, 0);
    ck_assert(v->u.nums.v[0] > 0 && v->u.nums.v[2] < 0);
    ck_assert_close(v->u.nums.v[0], -v->u.nums.v[2], 1e-14);
    tl_record_free(out);
}
END_TEST

START_TEST(test_registry_read_mpt)
{
    const tl_op *op = tl_registry_find("read_mpt");
    ck_assert_ptr_nonnull(op);
    tl_value args[4];
    memset(args, 0, sizeof args);
    args[0] = (tl_value){.type = TL_T_STRING, .set = 1, .u.str = (char *)test_file("good_comma.mpt")};
    char *req[2] = {"time/s", "Ecell/V"};
    args[1] = (tl_value){.type = TL_T_STRINGS, .set = 1};
    args[1].u.strs.v = req;
    args[1].u.strs.n = 2;
    tl_record *out = tl_record_new();
    tl_error e;
    ck_assert_int_eq(tl_op_call(op, args, out, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "has no column 'Ecell/V' (columns: mode, Ewe/V, I/mA, time/s)"));
    args[1].u.strs.n = 1;
    ck_assert_msg(tl_op_call(op, args, out, &e) == 0, "%s", e.msg);
    const tl_value *cols = tl_record_get(out, "columns");
    ck_assert_int_eq(cols->type, TL_T_RECORD);
    const tl_value *ewe = tl_record_get(cols->u.rec, "Ewe/V");
    ck_assert_uint_eq(ewe->u.nums.n, 3);
    const tl_value *units = tl_record_get(out, "units");
    ck_assert_str_eq(tl_record_get(units->u.rec, "I/mA")->u.str, "mA");
    ck_assert_int_eq(tl_record_get(out, "rows")->u.i, 3);
    tl_record_free(out);
}
END_TEST

Suite *suite_echem(void)
{
    Suite *s = suite_create("echem");
    TCase *bv = tcase_create("butler_volmer");
    tcase_add_test(bv, test_bv_symmetric_asinh);
    tcase_add_test(bv, test_bv_asymmetric_round_trip);
    tcase_add_test(bv, test_bv_checks);
    suite_add_tcase(s, bv);
    TCase *mpt = tcase_create("mpt");
    tcase_add_test(mpt, test_mpt_real_files);
    tcase_add_test(mpt, test_mpt_aliases_and_comma);
    tcase_add_test(mpt, test_mpt_malformed);
    tcase_add_test(mpt, test_mpt_truncations);
    tcase_add_test(mpt, test_mpt_mutations);
    tcase_add_test(mpt, test_mpt_write_round_trip);
    tcase_add_test(mpt, test_mpt_write_errors);
    tcase_add_test(mpt, test_registry_read_mpt);
    suite_add_tcase(s, mpt);
    TCase *cell = tcase_create("cell");
    tcase_add_test(cell, test_cell_terms_and_signs);
    tcase_add_test(cell, test_cell_errors);
    tcase_add_test(cell, test_series_and_steps);
    tcase_add_test(cell, test_cell_threads_identical);
    tcase_add_test(cell, test_lm_linear_matches_ols);
    tcase_add_test(cell, test_fit_recovers_i0_kappa);
    tcase_add_test(cell, test_current_fraction);
    tcase_add_test(cell, test_synthetic_mpt);
    tcase_add_test(cell, test_registry_cell_voltage);
    suite_add_tcase(s, cell);
    return s;
}
