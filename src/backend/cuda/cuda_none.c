/* weir built without CUDA: there is no CUDA backend, and the core sees only the CPU. */
#include "backend/backend.h"

#ifndef WEIR_HAVE_CUDA
const weir__backend *weir__backend_cuda(void) { return NULL; }
#endif
