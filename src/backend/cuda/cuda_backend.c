/* The CUDA backend's entry point. For now a placeholder that reports no CUDA backend, so a
   CUDA build runs everything on the CPU; the real backend replaces this file. */
#include "backend/backend.h"

#ifdef WEIR_HAVE_CUDA
const weir__backend *weir__backend_cuda(void) { return NULL; }
#endif
