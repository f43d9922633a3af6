/* h5util.h — small HDF5 conveniences shared by the readers and writers. */
#ifndef TL_H5UTIL_H
#define TL_H5UTIL_H

#include <hdf5.h>

#include "../vol/vol.h"

/* Turn off HDF5's own error printing once: tomolith reports its own
 * messages that name the file and dataset. */
void tl_h5_quiet(void);
/* HDF5 memory type for a dtype (native byte order). */
hid_t tl_h5_type(tl_dtype dt);
/* dtype of an HDF5 dataset type; -1 with a message if unsupported. */
int tl_h5_dtype_of(hid_t type, tl_dtype *dt, const char *file, const char *dataset, tl_error *err);
/* 1 if the path (e.g. "/exchange/data") names an existing link, walking
 * each group so a missing intermediate group is not an HDF5 error. */
int tl_h5_exists(hid_t file, const char *path);
/* Write a string attribute on an object. */
int tl_h5_attr_string(hid_t obj, const char *name, const char *value, tl_error *err);
/* The text of a string attribute (fixed or variable length, read in its
 * own character set: HDF5 does not convert between them), malloc'ed;
 * NULL if it is not a string or cannot be read. */
char *tl_h5_attr_read_string(hid_t attr);
/* The session's provenance (with the voxel size, or NULL) as the root
 * attribute "tomolith_provenance" of an open file: what tl.provenance reads. */
int tl_h5_write_provenance(hid_t file, const double voxel_um[3], tl_error *err);
/* Write a double array attribute. */
int tl_h5_attr_doubles(hid_t obj, const char *name, const double *v, size_t n, tl_error *err);
/* Set v's voxel size from the dataset's "voxel_um" attribute (3 doubles,
 * z y x) when it has one with positive sizes; otherwise leave it. */
void tl_h5_read_voxel(hid_t dataset, tl_volume *v);

#endif
