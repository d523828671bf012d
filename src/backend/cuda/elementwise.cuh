// The elementwise driver of the CUDA kernels: out[i] = f(a[...], b[...]) for every element of
// a row-major contiguous out, whatever the inputs' strides (kernel.h: inputs have out's shape,
// element strides, 0 on broadcast axes).
//
// The axes are collapsed first (size-1 axes dropped, an axis merged into the previous one when
// every input's strides allow), as the CPU does. Then:
// - flat: every input contiguous or a scalar (all strides 0): a grid-stride loop over 16-byte
//   packs (when every pointer is aligned to its pack) and a scalar tail;
// - rows: each input's innermost axis contiguous or broadcast (a bias add, a row slice): packs
//   along the rows, one division per pack for the row's offsets;
// - general: a grid-stride loop computing each input's offset from the flat index with the
//   collapsed shape and strides (a by-value kernel argument); 32-bit divisions when they fit.
#ifndef WEIR_BACKEND_CUDA_ELEMENTWISE_CUH
#define WEIR_BACKEND_CUDA_ELEMENTWISE_CUH

#include "backend/cuda/cuda_common.cuh"

namespace {

template <int NIN> struct EwLayout {
  int nd;
  int64_t shape[WEIR_MAX_NDIM];
  int64_t st[NIN][WEIR_MAX_NDIM];
};

template <int NIN> inline void ew_collapse(const weir__kernel_call *c, EwLayout<NIN> *L) {
  int nd = 0;
  for (int d = 0; d < c->out.ndim; d++) {
    int64_t n = c->out.shape[d];
    if (n == 1) continue;
    bool merge = nd > 0;
    for (int i = 0; merge && i < NIN; i++) merge = L->st[i][nd - 1] == c->in[i].strides[d] * n;
    if (merge) {
      L->shape[nd - 1] *= n;
      for (int i = 0; i < NIN; i++) L->st[i][nd - 1] = c->in[i].strides[d];
    } else {
      L->shape[nd] = n;
      for (int i = 0; i < NIN; i++) L->st[i][nd] = c->in[i].strides[d];
      nd++;
    }
  }
  if (nd == 0) { // a single element
    L->shape[0] = 1;
    for (int i = 0; i < NIN; i++) L->st[i][0] = 0;
    nd = 1;
  }
  L->nd = nd;
}

template <int NIN, class OS, class IS, class F> __device__ __forceinline__ OS ew_apply(const F &f, IS x, IS y) {
  if constexpr (NIN == 1) {
    (void)y;
    return f(x);
  } else {
    return f(x, y);
  }
}

// Flat case. scal bit k: input k is a scalar. nvec: packs of V elements (0: no packs, the
// scalar loop does everything).
template <int NIN, int V, class OS, class IS, class F>
__global__ void __launch_bounds__(kBlock)
    ew_flat_kernel(int64_t n, int64_t nvec, OS *out, const IS *a, const IS *b, int scal, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const bool sa = scal & 1, sb = (scal & 2) != 0;
  IS a0 = sa ? a[0] : IS(), b0 = IS();
  if constexpr (NIN == 2) b0 = sb ? b[0] : IS();
  for (int64_t i = t; i < nvec; i += stride) {
    Pack<IS, V> pa, pb;
    Pack<OS, V> po;
    if (sa) {
#pragma unroll
      for (int k = 0; k < V; k++) pa.v[k] = a0;
    } else {
      pa = pack_load<IS, V>(a, i);
    }
    if constexpr (NIN == 2) {
      if (sb) {
#pragma unroll
        for (int k = 0; k < V; k++) pb.v[k] = b0;
      } else {
        pb = pack_load<IS, V>(b, i);
      }
    } else {
      pb = pa;
    }
#pragma unroll
    for (int k = 0; k < V; k++) po.v[k] = ew_apply<NIN, OS, IS>(f, pa.v[k], pb.v[k]);
    pack_store<OS, V>(out, i, po);
  }
  for (int64_t i = nvec * V + t; i < n; i += stride) {
    IS x = sa ? a0 : a[i], y = IS();
    if constexpr (NIN == 2) y = sb ? b0 : b[i];
    out[i] = ew_apply<NIN, OS, IS>(f, x, y);
  }
}

// Offsets of flat index r over the first nd axes in each input (I: the index type the
// divisions use).
template <int NIN, class I>
__device__ __forceinline__ void ew_offsets(const EwLayout<NIN> &L, int nd, I r, int64_t *oa, int64_t *ob) {
  int64_t a = 0, b = 0;
  for (int d = nd - 1; d > 0; d--) {
    I s = (I)L.shape[d], q = r / s, k = r - q * s;
    a += (int64_t)k * L.st[0][d];
    if constexpr (NIN == 2) b += (int64_t)k * L.st[1][d];
    r = q;
  }
  a += (int64_t)r * L.st[0][0];
  if constexpr (NIN == 2) b += (int64_t)r * L.st[1][0];
  *oa = a;
  *ob = b;
}

template <int NIN, class OS, class IS, class F>
__global__ void __launch_bounds__(kBlock)
    ew_general_kernel(int64_t n, OS *out, const IS *a, const IS *b, const EwLayout<NIN> L, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const bool small = n <= (int64_t)UINT32_MAX;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t oa, ob;
    if (small) ew_offsets<NIN, uint32_t>(L, L.nd, (uint32_t)i, &oa, &ob);
    else ew_offsets<NIN, uint64_t>(L, L.nd, (uint64_t)i, &oa, &ob);
    IS x = a[oa], y = IS();
    if constexpr (NIN == 2) y = b[ob];
    out[i] = ew_apply<NIN, OS, IS>(f, x, y);
  }
}

// Rows case: every input's innermost axis is contiguous (stride 1) or broadcast (stride 0), the
// row length is a multiple of V and every row start is pack-aligned: packs of V elements never
// straddle rows, so each pack needs one division for its row and one load per input.
template <int NIN, int V, class OS, class IS, class F>
__global__ void __launch_bounds__(kBlock)
    ew_rows_kernel(int64_t npacks, int64_t row_packs, OS *out, const IS *a, const IS *b, const EwLayout<NIN> L, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const bool small = npacks <= (int64_t)UINT32_MAX;
  const int nd = L.nd;
  const bool sa = L.st[0][nd - 1] == 0, sb = NIN == 2 && L.st[NIN - 1][nd - 1] == 0;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < npacks; i += stride) {
    int64_t col, oa, ob;
    if (small) {
      uint32_t r = (uint32_t)i / (uint32_t)row_packs;
      col = (int64_t)((uint32_t)i - r * (uint32_t)row_packs);
      ew_offsets<NIN, uint32_t>(L, nd - 1, r, &oa, &ob);
    } else {
      int64_t r = i / row_packs;
      col = i - r * row_packs;
      ew_offsets<NIN, uint64_t>(L, nd - 1, (uint64_t)r, &oa, &ob);
    }
    Pack<IS, V> pa, pb;
    Pack<OS, V> po;
    if (sa) {
      IS x = a[oa];
#pragma unroll
      for (int k = 0; k < V; k++) pa.v[k] = x;
    } else {
      pa = pack_load<IS, V>(a + oa, col);
    }
    if constexpr (NIN == 2) {
      if (sb) {
        IS y = b[ob];
#pragma unroll
        for (int k = 0; k < V; k++) pb.v[k] = y;
      } else {
        pb = pack_load<IS, V>(b + ob, col);
      }
    } else {
      pb = pa;
    }
#pragma unroll
    for (int k = 0; k < V; k++) po.v[k] = ew_apply<NIN, OS, IS>(f, pa.v[k], pb.v[k]);
    pack_store<OS, V>(out, i, po);
  }
}

// Whether the rows kernel applies to layout L (packs of V elements of IS).
template <int NIN, int V, class IS>
inline bool ew_rows_ok(const EwLayout<NIN> &L, const weir__kernel_call *c, const void *out, size_t out_pack) {
  int nd = L.nd;
  if (nd < 2 || L.shape[nd - 1] % V != 0 || !aligned_to(out, out_pack)) return false;
  for (int i = 0; i < NIN; i++) {
    int64_t s = L.st[i][nd - 1];
    if (s != 0 && s != 1) return false;
    if (s == 0) continue; // broadcast along rows: one element per row, no alignment needed
    if (!aligned_to(c->in[i].data, V * sizeof(IS))) return false;
    for (int d = 0; d < nd - 1; d++)
      if (L.st[i][d] % V != 0) return false;
  }
  return true;
}

// Runs out = f(in...) for c (NIN inputs of storage IS, out of storage OS); c was validated.
template <int NIN, class OS, class IS, class F>
inline weir_status ew_run(const weir__cuda_ctx *ctx, weir__kernel_call *c, F f) {
  const int64_t n = c->out.size;
  EwLayout<NIN> L;
  ew_collapse<NIN>(c, &L);
  OS *out = (OS *)c->out.data;
  const IS *a = (const IS *)c->in[0].data;
  const IS *b = NIN == 2 ? (const IS *)c->in[1].data : nullptr;
  bool flat = L.nd == 1;
  int scal = 0;
  for (int i = 0; i < NIN; i++) {
    flat = flat && (L.st[i][0] == 0 || L.st[i][0] == 1);
    if (L.st[i][0] == 0) scal |= 1 << i;
  }
  constexpr int V = 16 / (sizeof(IS) > sizeof(OS) ? sizeof(IS) : sizeof(OS)); // elements per pack
  if (flat) {
    bool al = aligned_to(out, V * sizeof(OS));
    if (!(scal & 1)) al = al && aligned_to(a, V * sizeof(IS));
    if (NIN == 2 && !(scal & 2)) al = al && aligned_to(b, V * sizeof(IS));
    int64_t nvec = al ? n / V : 0;
    unsigned g = grid_for(nvec > 0 ? nvec : n, kBlock, ctx->device, 16);
    ew_flat_kernel<NIN, V, OS, IS, F><<<g, kBlock, 0, stream_of(ctx)>>>(n, nvec, out, a, b, scal, f);
  } else if (ew_rows_ok<NIN, V, IS>(L, c, out, V * sizeof(OS))) {
    unsigned g = grid_for(n / V, kBlock, ctx->device, 16);
    ew_rows_kernel<NIN, V, OS, IS, F><<<g, kBlock, 0, stream_of(ctx)>>>(n / V, L.shape[L.nd - 1] / V, out, a, b, L, f);
  } else {
    unsigned g = grid_for(n, kBlock, ctx->device, 16);
    ew_general_kernel<NIN, OS, IS, F><<<g, kBlock, 0, stream_of(ctx)>>>(n, out, a, b, L, f);
  }
  return launched(c);
}

} // namespace

#endif
