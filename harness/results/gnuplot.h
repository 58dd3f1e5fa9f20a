/* gnuplot.h — runs one gnuplot script on one data file into one picture. */
#ifndef HX_GNUPLOT_H
#define HX_GNUPLOT_H
#include <stddef.h>
/* `gnuplot -e "file='DATA'; out='TMP'; fmt='FMT'; scripts='DIR'; VARS" SCRIPT`, then
 * renames TMP to out so a failed plot leaves nothing behind. fmt is "png" or "svg"
 * (the scripts choose the terminal by it); DIR is the script's folder (for the shared
 * viz/plots/common.gp); vars are more assignments (may be ""). ST_ERR_IO naming the
 * cause (gnuplot missing, failed, a path with a quote) otherwise. */
int hx_gnuplot_run(const char *script, const char *data, const char *out, const char *fmt, const char *vars);
/* hx_gnuplot_run into a PNG with subtitle='NOTE'. */
int hx_gnuplot(const char *script, const char *data, const char *png, const char *subtitle);
/* The folder of the plot scripts: `given` (--scripts), else $STVIT_PLOTS, else beside the
 * program (build/stvit -> viz/plots of its source tree, or DIR/plots, or
 * DIR/../share/stvit/plots when installed), else ./viz/plots. ST_ERR_IO when none has them. */
int hx_gnuplot_scripts(const char *given, char *dir, size_t cap);
#endif
