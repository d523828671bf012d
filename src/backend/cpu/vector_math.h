/* Vectorized libm calls for the elementwise kernels' loops.

   glibc's libmvec holds SSE, AVX2 and AVX-512 versions of logf, sinf, atan2, ... (within 4 ulp,
   special inputs handled through the scalar functions), but math.h declares them (gcc's simd
   attribute) only under -ffast-math, whose other effects weir does not want: NaN and inf keep
   their meaning here. Declared below, a loop over one of these functions in a file built with
   -fno-math-errno (CMake sets it on the CPU kernels; weir never reads errno) calls the vector
   version, 4 to 16 elements a call, instead of the scalar one per element: log, sin, ... were a
   tenth to a fiftieth of numpy's speed on one core. Such loops compute every element in blocks of
   16 (WEIR__CPU_ROW1_BLOCKED): a value gives the same bits wherever it sits and however the work
   is split over threads. Without libmvec (not glibc, or older than
   2.35: CMake's WEIR_HAVE_LIBMVEC) the loops stay scalar and give the same values within those
   ulps. */
#ifndef WEIR_BACKEND_CPU_VECTOR_MATH_H
#define WEIR_BACKEND_CPU_VECTOR_MATH_H

#include <math.h>

/* Whether the kernels may pick code by the CPU at run time (target_clones, target("avx512f")
   functions): gcc on x86-64, not under the sanitizers (their runtimes and ifunc resolvers do not
   mix). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define WEIR__CPU_DISPATCH 1
#else
#define WEIR__CPU_DISPATCH 0
#endif

/* A loop compiled for AVX-512 and for AVX2 with FMA (x86-64-v3) as well as the baseline, picked
   at load time: libmvec's wider versions and the polynomials' fused multiply-adds need them. */
#if WEIR__CPU_DISPATCH
#define WEIR__VECTOR_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define WEIR__VECTOR_CLONES
#endif

#if defined(WEIR_HAVE_LIBMVEC) && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WEIR__LIBMVEC 1 /* the loops below call libmvec */
/* float versions only: libmvec's double ones are within 4 ulp (exp 2.9, sin 3.3 measured) where
   glibc's scalar ones are within 1, and float64 is what a user picks for accuracy */
#define WEIR__SIMD_DECL(name) extern float name##f(float) __attribute__((simd("notinbranch")));
/* every one of these is in libmvec from glibc 2.35 on */
WEIR__SIMD_DECL(expm1)
WEIR__SIMD_DECL(log)
WEIR__SIMD_DECL(log1p)
WEIR__SIMD_DECL(log2)
WEIR__SIMD_DECL(log10)
WEIR__SIMD_DECL(sin)
WEIR__SIMD_DECL(cos)
WEIR__SIMD_DECL(tan)
WEIR__SIMD_DECL(asin)
WEIR__SIMD_DECL(acos)
WEIR__SIMD_DECL(atan)
WEIR__SIMD_DECL(sinh)
WEIR__SIMD_DECL(cosh)
WEIR__SIMD_DECL(tanh)
WEIR__SIMD_DECL(erf)
extern float powf(float, float) __attribute__((simd("notinbranch")));
#undef WEIR__SIMD_DECL
/* float32's arctan2 rounds a double atan2, as the CUDA kernel does (kernels_binary.c): libmvec's,
   under another name so that float64's own loops keep glibc's scalar atan2 */
extern double weir__vatan2(double, double) __asm__("atan2") __attribute__((simd("notinbranch"), const, nothrow));
#else
#define WEIR__LIBMVEC 0
#define weir__vatan2(x, y) atan2((double)(x), (double)(y))
#endif

#endif
