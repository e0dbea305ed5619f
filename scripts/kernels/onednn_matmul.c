// oneDNN 2.6 (Debian libdnnl-dev) bf16 matmul, bf16 inputs, weights reordered in advance; built and run by scripts/kernels/compare.sh.
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define CHECK(x) do { dnnl_status_t st = (x); if (st != dnnl_success) { printf("fail %s: %d\n", #x, st); exit(1);} } while (0)
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc, char **argv) {
  int M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]);
  dnnl_engine_t eng; CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
  dnnl_stream_t s; CHECK(dnnl_stream_create(&s, eng, dnnl_stream_default_flags));
  dnnl_memory_desc_t a_md, b_md, b_any, c_md;
  dnnl_dims_t ad = {M, K}, bd = {K, N}, cd = {M, N};
  CHECK(dnnl_memory_desc_init_by_tag(&a_md, 2, ad, dnnl_bf16, dnnl_ab));
  CHECK(dnnl_memory_desc_init_by_tag(&b_md, 2, bd, dnnl_bf16, dnnl_ab));
  CHECK(dnnl_memory_desc_init_by_tag(&b_any, 2, bd, dnnl_bf16, dnnl_format_tag_any));
  CHECK(dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dnnl_f32, dnnl_ab));
  dnnl_matmul_desc_t md; CHECK(dnnl_matmul_desc_init(&md, &a_md, &b_any, NULL, &c_md));
  dnnl_primitive_desc_t pd; CHECK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
  const char *impl; dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  dnnl_memory_t a, b, bw, c;
  CHECK(dnnl_memory_create(&a, &a_md, eng, DNNL_MEMORY_ALLOCATE));
  CHECK(dnnl_memory_create(&b, &b_md, eng, DNNL_MEMORY_ALLOCATE));
  CHECK(dnnl_memory_create(&bw, wmd, eng, DNNL_MEMORY_ALLOCATE));
  CHECK(dnnl_memory_create(&c, &c_md, eng, DNNL_MEMORY_ALLOCATE));
  void *p; dnnl_memory_get_data_handle(a, &p); for (long i = 0; i < (long)M*K; i++) ((unsigned short*)p)[i] = 0x3f80 + (i % 7);
  dnnl_memory_get_data_handle(b, &p); for (long i = 0; i < (long)K*N; i++) ((unsigned short*)p)[i] = 0x3f80 + (i % 5);
  dnnl_primitive_desc_t rpd; CHECK(dnnl_reorder_primitive_desc_create(&rpd, &b_md, eng, wmd, eng, NULL));
  dnnl_primitive_t r; CHECK(dnnl_primitive_create(&r, rpd));
  dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, b}, {DNNL_ARG_TO, bw}};
  CHECK(dnnl_primitive_execute(r, s, 2, rargs)); dnnl_stream_wait(s);
  dnnl_primitive_t mm; CHECK(dnnl_primitive_create(&mm, pd));
  dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, bw}, {DNNL_ARG_DST, c}};
  double best = 1e9;
  for (int it = 0; it < 6; it++) { double t = now(); CHECK(dnnl_primitive_execute(mm, s, 3, args)); dnnl_stream_wait(s); double dt = now() - t; if (it && dt < best) best = dt; }
  printf("oneDNN %s bf16 matmul %dx%dx%d: %.1f GF/s (best of 5)\n", impl, M, N, K, 2.0*M*N*K/best/1e9);
}
