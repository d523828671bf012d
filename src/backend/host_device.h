/* WEIR__HD marks helpers shared by the CPU kernels (C) and the CUDA kernels (nvcc): on nvcc they
   are __host__ __device__, elsewhere plain static inline functions. */
#ifndef WEIR_BACKEND_HOST_DEVICE_H
#define WEIR_BACKEND_HOST_DEVICE_H

#ifdef __CUDACC__
#define WEIR__HD __host__ __device__ static inline
#else
#define WEIR__HD static inline
#endif

#endif
