/* io_internal.h — what the format readers and writers share (not public). */
#ifndef TL_IO_INTERNAL_H
#define TL_IO_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "io.h"

/* Element types as stored in files; volumes have fewer (see tl_elem_dtype). */
typedef enum { TL_E_U8, TL_E_I8, TL_E_U16, TL_E_I16, TL_E_U32, TL_E_I32, TL_E_F32, TL_E_F64, TL_E_BOOL } tl_elem;

size_t tl_elem_size(tl_elem e);
const char *tl_elem_name(tl_elem e);
/* The volume dtype an element type loads as: i8/i16/u32 widen to i32,
 * bool to u8 (u32 values above 2^31-1 are refused when met). */
tl_dtype tl_elem_dtype(tl_elem e);
int tl_elem_parse(const char *s, tl_elem *e); /* "u8" ... "f64" */
/* Convert n elements (byte-swapped first if swap) into dst (a volume's
 * dtype) at index 0; returns -1 if a u32 value does not fit i32. */
int tl_elem_convert(void *src, tl_elem e, int swap, size_t n, void *dst, tl_dtype dt); /* swaps src in place */

/* Resolve crops against a file's shape: lo/hi filled for every axis. The
 * message names the file (and dataset when given) and its shape. */
int tl_io_resolve_crops(const tl_io_crop crop[3], const size_t shape[3], const char *path,
                        const char *dataset, size_t lo[3], size_t hi[3], tl_error *err);

/* Read an array stored contiguously at `offset` of f: logical shape (z, y, x),
 * C order (x fastest) or Fortran order (z fastest). Only the cropped part
 * is read. out has the cropped shape and tl_elem_dtype(e). */
int tl_io_read_array(FILE *f, const char *path, uint64_t offset, const size_t shape[3], tl_elem e,
                     int swap, int fortran, const size_t lo[3], const size_t hi[3], tl_volume *out,
                     tl_error *err);
/* Write v's voxels (x fastest) to f, byte-swapped if swap. */
int tl_io_write_array(FILE *f, const char *path, const tl_volume *v, int swap, tl_error *err);

/* Provenance JSON with "voxel_um": [z, y, x] (and `extra`, a JSON member
 * list like "\"raw\": {...}", or NULL) added as first members. malloc'ed. */
char *tl_io_prov_json(const double voxel_um[3], const char *extra, tl_error *err);
/* Write that JSON atomically to "<path>.provenance.json". */
int tl_io_write_sidecar(const char *path, const double voxel_um[3], const char *extra, tl_error *err);
/* Read "<path>.provenance.json" if it exists: malloc'ed text, or NULL
 * (no message) when absent. */
char *tl_io_read_sidecar(const char *path);
/* voxel_um from provenance JSON text (1 = found). */
int tl_io_json_voxel(const char *json, double voxel_um[3]);

/* File kind from the path: extension, or a folder (TIFF slices). */
typedef enum { TL_FMT_UNKNOWN = 0, TL_FMT_H5, TL_FMT_TIFF, TL_FMT_TIFF_DIR, TL_FMT_NPY, TL_FMT_RAW, TL_FMT_PNG } tl_format;
tl_format tl_io_format(const char *path, int for_write);
int tl_io_has_ext(const char *path, const char *ext); /* case-insensitive, ext with dot */
/* strcmp-like, but digit runs compare by value: "s2" < "s10". */
int tl_io_natural_cmp(const char *a, const char *b);
/* Sorted .tif/.tiff files of a folder (malloc'ed array of malloc'ed full paths). */
int tl_io_list_slices(const char *dir, char ***names, size_t *n, tl_error *err);
void tl_io_free_list(char **names, size_t n);
/* Error unless path is an existing regular file (names the path). */
int tl_io_check_file(const char *path, tl_error *err);

/* Format readers and writers. */
tl_volume *tl_h5_load(const char *path, const tl_io_load_opts *o, tl_error *err);
int tl_h5_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err);
char *tl_h5_read_provenance(const char *path, tl_error *err);

tl_volume *tl_tiff_load(const char *path, const tl_io_load_opts *o, tl_error *err);
tl_volume *tl_tiff_load_dir(const char *dir, const tl_io_load_opts *o, tl_error *err);
int tl_tiff_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err);
int tl_tiff_save_dir(const tl_volume *v, const char *dir, const tl_io_save_opts *o, tl_error *err);
char *tl_tiff_read_description(const char *path, tl_error *err);

tl_volume *tl_npy_load(const char *path, const tl_io_load_opts *o, tl_error *err);
int tl_npy_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err);

tl_volume *tl_raw_load(const char *path, const tl_io_load_opts *o, tl_error *err);
int tl_raw_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err);

tl_volume *tl_png_load(const char *path, const tl_io_load_opts *o, tl_error *err);
int tl_png_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err);
char *tl_png_read_provenance(const char *path, tl_error *err);


/* Atomic output: error if path is a folder; open "<dir>/.<name>.tmp-..." for
 * writing (messages name `path`). commit closes f and renames it into
 * place, or removes it when `failed` or when closing fails. */
int tl_io_check_target(const char *path, tl_error *err);
FILE *tl_io_open_tmp(const char *path, char *tmp, size_t n, tl_error *err);
int tl_io_commit_tmp(FILE *f, const char *tmp, const char *path, int failed, tl_error *err);
#endif
