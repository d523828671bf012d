/* Elementwise machinery of the CPU kernels: the strided driver every elementwise op runs
   through (weir__cpu_map), and the creation and copy kernels FULL, ARANGE and COPY. */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model), which
   leaves these kernels' loops scalar; the "cheap" model vectorizes them. Before the includes so
   the inlined helpers get it too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include <string.h>

#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"
#include "backend/cpu/streaming_store.h"

weir_status weir__cpu_check_elementwise(weir__kernel_call *c, int nin) {
  if (c->nin != nin)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s expects %d input(s), got %d", weir__prim_name(c->prim), nin,
                          c->nin);
  for (int i = 0; i < nin; i++) {
    const weir__tensor *t = &c->in[i];
    bool same = t->ndim == c->out.ndim;
    for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == c->out.shape[d];
    if (!same)
      return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: input %d does not have the output's shape",
                            weir__prim_name(c->prim), i);
  }
  return WEIR_OK;
}

/* The operands' axes after dropping size-1 axes and merging each axis into the previous one
   when every operand's strides allow it (out is contiguous, so only the inputs decide). */
typedef struct {
  int nd;
  int64_t shape[WEIR_MAX_NDIM];
  int64_t st[WEIR__MAX_INPUTS][WEIR_MAX_NDIM];
} weir__cpu_layout;

static void collapse(const weir__kernel_call *c, weir__cpu_layout *L) {
  int nin = c->nin, nd = 0;
  for (int d = 0; d < c->out.ndim; d++) {
    int64_t n = c->out.shape[d];
    if (n == 1) continue;
    bool merge = nd > 0;
    for (int i = 0; merge && i < nin; i++) merge = L->st[i][nd - 1] == c->in[i].strides[d] * n;
    if (merge) {
      L->shape[nd - 1] *= n;
      for (int i = 0; i < nin; i++) L->st[i][nd - 1] = c->in[i].strides[d];
    } else {
      L->shape[nd] = n;
      for (int i = 0; i < nin; i++) L->st[i][nd] = c->in[i].strides[d];
      nd++;
    }
  }
  if (nd == 0) { /* a single element */
    L->shape[0] = 1;
    for (int i = 0; i < nin; i++) L->st[i][0] = 0;
    nd = 1;
  }
  L->nd = nd;
}

/* One map call: the collapsed layout, the row function and byte pointers. */
typedef struct {
  weir__cpu_layout L;
  weir__cpu_row_fn fn;
  int nin;
  bool stream; /* write the output with streaming stores (streaming_store.h) */
  char *out;
  int64_t osz, isz[WEIR__MAX_INPUTS];
  const char *in[WEIR__MAX_INPUTS];
} map_ctx;

/* Counter over the collapsed axes at flat output position pos, and each input's element offset. */
static void position(const map_ctx *m, int64_t pos, int64_t *idx, int64_t *off) {
  for (int i = 0; i < m->nin; i++) off[i] = 0;
  for (int d = m->L.nd - 1; d >= 0; d--) {
    idx[d] = pos % m->L.shape[d];
    pos /= m->L.shape[d];
    for (int i = 0; i < m->nin; i++) off[i] += idx[d] * m->L.st[i][d];
  }
}

/* One run of n outputs. Streaming: through a scratch tile that stays in L1, then out with
   streaming stores, so the row functions stay plain vectorized loops. */
#define SCRATCH_BYTES 4096
static void emit(const map_ctx *m, int64_t n, char *o, const char *a, int64_t sa, const char *b, int64_t sb) {
  if (!m->stream) {
    m->fn(n, o, a, sa, b, sb);
    return;
  }
  _Alignas(64) char tile[SCRATCH_BYTES];
  const int64_t per = SCRATCH_BYTES / m->osz, ai = sa * m->isz[0], bi = m->nin > 1 ? sb * m->isz[1] : 0;
  for (int64_t done = 0; done < n; done += per) {
    int64_t k = n - done < per ? n - done : per;
    m->fn(k, tile, a + done * ai, sa, b ? b + done * bi : NULL, sb);
    weir__cpu_stream_copy(o + done * m->osz, tile, (size_t)(k * m->osz));
  }
}

/* Output elements [lo, hi) in order, one fn call per innermost run; counter and offsets
   advance run by run (divisions only at lo). */
static void run_rows(const map_ctx *m, int64_t lo, int64_t hi) {
  const weir__cpu_layout *L = &m->L;
  int nd = L->nd, nin = m->nin;
  int64_t idx[WEIR_MAX_NDIM], off[WEIR__MAX_INPUTS] = {0};
  position(m, lo, idx, off);
  int64_t inner = L->shape[nd - 1], s0 = L->st[0][nd - 1], s1 = nin > 1 ? L->st[1][nd - 1] : 0;
  for (int64_t pos = lo; pos < hi;) {
    int64_t n = inner - idx[nd - 1];
    if (n > hi - pos) n = hi - pos;
    emit(m, n, m->out + pos * m->osz, m->in[0] + off[0] * m->isz[0], s0,
         nin > 1 ? m->in[1] + off[1] * m->isz[1] : NULL, s1);
    pos += n;
    idx[nd - 1] += n;
    off[0] += n * s0;
    off[1] += n * s1;
    for (int d = nd - 1; d > 0 && idx[d] == L->shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
      for (int i = 0; i < nin; i++) off[i] += L->st[i][d - 1] - L->shape[d] * L->st[i][d];
    }
  }
}

/* Transposed inputs: when an input's innermost stride skips whole cache lines while its next
   axis is closer, row-by-row order touches a new line per element and reuses none before they
   are evicted. Bands of TILE_R rows are then walked in tiles of TILE_C columns, so the lines
   a tile loads serve all its rows. */
#define TILE_R 16
#define TILE_C 256

static bool wants_tiles(const map_ctx *m) {
  const weir__cpu_layout *L = &m->L;
  int nd = L->nd;
  if (nd < 2 || L->shape[nd - 1] <= TILE_C) return false;
  for (int i = 0; i < m->nin; i++) {
    int64_t s = L->st[i][nd - 1] < 0 ? -L->st[i][nd - 1] : L->st[i][nd - 1];
    int64_t r = L->st[i][nd - 2] < 0 ? -L->st[i][nd - 2] : L->st[i][nd - 2];
    if (s * m->isz[i] >= 64 && r < s) return true;
  }
  return false;
}

/* nr whole rows starting at pos (a row start), tile by tile. */
static void run_band(const map_ctx *m, int64_t pos, int64_t nr) {
  const weir__cpu_layout *L = &m->L;
  int nd = L->nd, nin = m->nin;
  int64_t idx[WEIR_MAX_NDIM], off[WEIR__MAX_INPUTS] = {0}, C = L->shape[nd - 1];
  position(m, pos, idx, off);
  int64_t s0 = L->st[0][nd - 1], s1 = nin > 1 ? L->st[1][nd - 1] : 0;
  int64_t r0 = L->st[0][nd - 2], r1 = nin > 1 ? L->st[1][nd - 2] : 0;
  for (int64_t c0 = 0; c0 < C; c0 += TILE_C) {
    int64_t n = C - c0 < TILE_C ? C - c0 : TILE_C;
    for (int64_t r = 0; r < nr; r++)
      m->fn(n, m->out + (pos + r * C + c0) * m->osz, m->in[0] + (off[0] + r * r0 + c0 * s0) * m->isz[0], s0,
            nin > 1 ? m->in[1] + (off[1] + r * r1 + c0 * s1) * m->isz[1] : NULL, s1);
  }
}

void weir__cpu_map(const weir__kernel_call *c, weir__cpu_row_fn fn, int64_t lo, int64_t hi) {
  if (lo >= hi) return;
  map_ctx m;
  collapse(c, &m.L);
  m.stream = false;
  m.fn = fn;
  m.nin = c->nin;
  m.out = (char *)c->out.data;
  m.osz = weir__cpu_dsize(c->out.dtype);
  for (int i = 0; i < m.nin; i++) {
    m.in[i] = (const char *)c->in[i].data;
    m.isz[i] = weir__cpu_dsize(c->in[i].dtype);
  }
  if (!wants_tiles(&m)) {
    /* streaming stores for outputs too big to stay in cache, unless written over an input
       (donation), whose lines the reads have just brought in */
    int64_t bytes = c->out.size * m.osz;
    m.stream = true;
    for (int i = 0; i < m.nin; i++) {
      bytes += c->in[i].size * m.isz[i];
      if (m.in[i] == m.out) m.stream = false;
    }
    m.stream = m.stream && weir__cpu_stream_worthy(bytes);
    run_rows(&m, lo, hi);
    if (m.stream) weir__cpu_stream_fence();
    return;
  }
  /* Whole bands inside [lo, hi) go tile by tile; the partial ones at the ends row by row. */
  int64_t C = m.L.shape[m.L.nd - 1], R = m.L.shape[m.L.nd - 2];
  for (int64_t pos = lo; pos < hi;) {
    int64_t row = pos / C % R, band_row = row - row % TILE_R;
    int64_t nr = R - band_row < TILE_R ? R - band_row : TILE_R;
    int64_t start = pos - (row - band_row) * C - pos % C, end = start + nr * C;
    if (pos == start && end <= hi) {
      run_band(&m, pos, nr);
      pos = end;
    } else {
      int64_t e = end < hi ? end : hi;
      run_rows(&m, pos, e);
      pos = e;
    }
  }
}

/* ---- FULL ---- */

weir_status weir__cpu_full(weir__kernel_call *c, int64_t lo, int64_t hi) {
  if (c->nin != 0) return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "full expects no inputs, got %d", c->nin);
  union {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
  } v;
  weir__store_double(&v, c->out.dtype, 0, c->params->fill.value);
  int64_t n = hi - lo;
  if (n <= 0) return WEIR_OK;
  switch (weir__cpu_dsize(c->out.dtype)) {
  case 1: memset((uint8_t *)c->out.data + lo, v.u8, (size_t)n); break;
  case 2: {
    uint16_t *o = (uint16_t *)c->out.data + lo;
    for (int64_t i = 0; i < n; i++) o[i] = v.u16;
    break;
  }
  case 4: {
    uint32_t *o = (uint32_t *)c->out.data + lo;
    for (int64_t i = 0; i < n; i++) o[i] = v.u32;
    break;
  }
  default: {
    uint64_t *o = (uint64_t *)c->out.data + lo;
    for (int64_t i = 0; i < n; i++) o[i] = v.u64;
    break;
  }
  }
  return WEIR_OK;
}

/* ---- ARANGE: value i = start + i * step in double, then converted like weir__store_double ---- */

#define ARANGE_FN(sfx, T, C, U, LD, ST, unused)                                                    \
  static void arange_##sfx(void *out, int64_t lo, int64_t hi, double start, double step) {         \
    T *o = out;                                                                                    \
    for (int64_t i = lo; i < hi; i++) o[i] = WEIR__CPU_TO_##sfx(start + (double)i * step);         \
  }
WEIR__CPU_ALL(ARANGE_FN, 0)

typedef void (*arange_fn)(void *out, int64_t lo, int64_t hi, double start, double step);
static const arange_fn arange_fns[WEIR_NUM_DTYPES] = {WEIR__CPU_TAB_ALL(arange)};

weir_status weir__cpu_arange(weir__kernel_call *c, int64_t lo, int64_t hi) {
  if (c->nin != 0) return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "arange expects no inputs, got %d", c->nin);
  arange_fns[c->out.dtype](c->out.data, lo, hi, c->params->arange.start, c->params->arange.step);
  return WEIR_OK;
}

/* ---- COPY: by element size; a contiguous input is one memmove (out may be the input) ---- */

#define COPY_OP(C, U, x) (x)
WEIR__CPU_ROW1(copy_1, uint8_t, uint8_t, uint8_t, uint8_t, WEIR__ID, WEIR__ID, COPY_OP)
WEIR__CPU_ROW1(copy_2, uint16_t, uint16_t, uint16_t, uint16_t, WEIR__ID, WEIR__ID, COPY_OP)
WEIR__CPU_ROW1(copy_4, uint32_t, uint32_t, uint32_t, uint32_t, WEIR__ID, WEIR__ID, COPY_OP)
WEIR__CPU_ROW1(copy_8, uint64_t, uint64_t, uint64_t, uint64_t, WEIR__ID, WEIR__ID, COPY_OP)

weir_status weir__cpu_copy(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = weir__cpu_check_elementwise(c, 1);
  if (st != WEIR_OK) return st;
  if (c->in[0].dtype != c->out.dtype)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: input dtype %s differs from output dtype %s",
                          weir__prim_name(c->prim), weir_dtype_name(c->in[0].dtype), weir_dtype_name(c->out.dtype));
  if (lo >= hi) return WEIR_OK;
  int64_t sz = weir__cpu_dsize(c->out.dtype);
  if (c->in[0].contiguous) {
    memmove((char *)c->out.data + lo * sz, (const char *)c->in[0].data + lo * sz, (size_t)((hi - lo) * sz));
    return WEIR_OK;
  }
  weir__cpu_map(c, sz == 1 ? copy_1 : sz == 2 ? copy_2 : sz == 4 ? copy_4 : copy_8, lo, hi);
  return WEIR_OK;
}
