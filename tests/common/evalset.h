/* evalset.h — the pictures of the small labelled image set that tests/test_eval.c and
 * tests/tools/make_evalset.c (the Slurm test's eval input) build: synthetic stripes,
 * checks and rings, as PNG or JPEG (the JPEG writer serves tests/test_faults.c too), and
 * the rule that labels them from a network's own ranking so that exactly every other
 * label is the network's answer. */
#ifndef TU_EVALSET_H
#define TU_EVALSET_H

/* A w x h RGB picture [h][w][3]: stripes, checks or rings with colours depending on k. */
void tu_synth_picture(int k, unsigned char *rgb, int w, int h);
/* Writes rgb [h][w][3] as a quality-95 JPEG. 0, or -1 when the file cannot be written. */
int tu_write_jpeg(const char *path, const unsigned char *rgb, int w, int h);
/* The label of picture i given its classes ranked best first (rank[0..5]): the best for
 * even i, else the 2nd to 5th best (top-5 hits) or the 6th (a miss). */
int tu_evalset_label(int i, const int *rank);
#endif
