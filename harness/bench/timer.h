/* timer.h — the one clock the harness measures with. */
#ifndef HX_TIMER_H
#define HX_TIMER_H
/* Seconds on the monotonic clock (unaffected by wall-clock changes); only
 * differences are meaningful. */
double hx_now(void);
#endif
