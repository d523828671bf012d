/* The CUDA kernels behind a C entry point: every primitive of backend/kernel.h, enqueued on a
   CUDA stream. Includable from C (no CUDA headers here: the stream and cuBLAS handle are
   `void *`). The kernels give the CPU kernels' results (src/backend/cpu) for every dtype but
   float64, which the GPU rejects:
   - bit-identical: FULL, ARANGE, COPY, ASTYPE, integer and bool arithmetic, comparisons,
     logical ops, ABS/NEGATIVE/SQUARE, + - * / maximum minimum sqrt of floats, MAX/MIN/ARG*,
     integer SUM/PROD/MEAN, RANDOM_BITS and RANDOM_UNIFORM;
   - within a few ulp: EXP LOG SIN COS TANH SIGMOID POWER of floats (evaluated in double, so
     <= 2 ulp float32 from glibc's float functions, 1 ulp float16/bfloat16) and RANDOM_NORMAL
     (each step rounded as on the CPU, the log in double: 0.03% of values differ, <= 3 ulp);
   - float SUM/PROD/MEAN accumulate in double like the CPU but in another order: the results
     equal the CPU's after rounding but for rare near-ties (then 1 ulp of the output dtype);
   - MATMUL: cuBLAS, float32 accumulation (relative error of float32 GEMM; TF32 only when
     params.matmul.allow_tf32). The bit pattern of a NaN produced by arithmetic may differ from x86's.
   Assumes the host and device are little-endian (all CUDA platforms are). */
#ifndef WEIR_BACKEND_CUDA_CUDA_KERNELS_H
#define WEIR_BACKEND_CUDA_CUDA_KERNELS_H

#include <stdbool.h>

#include "backend/kernel.h"
#include "weir/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One per weir stream on a CUDA device. Zero-initialize it, then set device and stream; the
   kernels create what they need lazily and weir__cuda_ctx_release frees it. */
typedef struct weir__cuda_ctx {
  int device;      /* CUDA device ordinal; the caller already did cudaSetDevice(device) */
  void *stream;    /* cudaStream_t of the weir stream (non-blocking) */
  void *cublas;    /* cublasHandle_t bound to this stream, created lazily; NULL at first */
  void *mm_plans;  /* matmul_plans.cu's cuBLASLt handle, workspace and plans, lazily; NULL at first */
  void *scratch;   /* reductions' partial results (stream-ordered allocation), lazily; NULL at first */
} weir__cuda_ctx;

/* Enqueues c on ctx->stream; returns once enqueued (asynchronous). Tensor data pointers are
   device pointers on ctx->device. Errors: message in c->errmsg; WEIR_ERR_UNSUPPORTED for
   float64 or a dtype the primitive does not take, WEIR_ERR_INVALID_ARGUMENT for max/min/argmax
   /argmin over an empty axis, WEIR_ERR_DEVICE for a launch / cuBLAS / allocation failure,
   WEIR_ERR_INTERNAL for a call that breaks kernel.h's layout contract. Faults the device reports
   later surface at the stream's next synchronization. */
weir_status weir__cuda_kernel_run(weir__cuda_ctx *ctx, weir__kernel_call *c);

/* Frees what the kernels created for ctx (cuBLAS and cuBLASLt handles, matmul plans, scratch), ordered on ctx->stream;
   call it before destroying the stream. ctx may be reused afterwards. */
void weir__cuda_ctx_release(weir__cuda_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
