/* blas.h — the OpenBLAS backend's helpers outside its op slots. */
#ifndef KN_BLAS_H
#define KN_BLAS_H

/* The OPENBLAS_CORETYPE this CPU should run with, or NULL: set already, recognised by
 * OpenBLAS, or no better core than the one it picked (core_hint.c). */
const char *kn_blas_core_hint(void);

#endif
