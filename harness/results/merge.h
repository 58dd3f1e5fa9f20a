/* merge.h — joins the result files of a sharded sweep into one table. */
#ifndef HX_MERGE_H
#define HX_MERGE_H
#include "harness/results/results.h"

#define HX_POINT_COLUMN "point"    /* a row's index in the whole sweep */
#define HX_POINTS_COLUMN "points"  /* the whole sweep's size (optional) */

/* Reads every file (CSV or JSON lines), requires the same columns in the same
 * order, and returns the rows sorted by the point column. A point present twice is
 * an error naming both files. *missing (may be NULL) gets the number of indices in
 * 0..points-1 that no file has, when the points column is present, else 0. */
int hx_merge_files(const char *const *paths, int n, hx_table *out, int *missing);
/* The first `cap` missing indices into idx; returns how many were written. */
int hx_merge_missing(const hx_table *t, int *idx, int cap);
/* Writes the table to path and to its sibling (.csv <-> .jsonl), each atomically. */
int hx_merge_save(const char *path, const hx_table *t);
#endif
