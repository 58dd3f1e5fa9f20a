/* gnuplot.h — runs one gnuplot script on one data file into one PNG. */
#ifndef HX_GNUPLOT_H
#define HX_GNUPLOT_H
/* `gnuplot -e "file='DATA'; out='TMP'; subtitle='NOTE'" SCRIPT`, then renames TMP to png
 * so a failed plot leaves nothing behind. ST_ERR_IO naming the cause (gnuplot missing,
 * failed, a path with a quote) otherwise. */
int hx_gnuplot(const char *script, const char *data, const char *png, const char *subtitle);
#endif
