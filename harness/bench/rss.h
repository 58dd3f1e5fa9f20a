/* rss.h — peak resident memory of this process, resettable between sweep points. */
#ifndef HX_RSS_H
#define HX_RSS_H
/* Starts a new peak at the current resident size (Linux /proc/self/clear_refs);
 * 0, or -1 when the kernel cannot, after which the peak covers the whole run. */
int hx_peak_rss_reset(void);
/* Peak resident memory in MiB since the last reset (VmHWM), or since the process
 * started (getrusage ru_maxrss) if /proc is unavailable. */
double hx_peak_rss_mib(void);
#endif
