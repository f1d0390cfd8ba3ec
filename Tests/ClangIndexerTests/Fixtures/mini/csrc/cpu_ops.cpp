#include "ops.h"

void scale_cpu(torch::Tensor& out, torch::Tensor& in, double factor) {
  out.copy_(in);
}

template <typename T, int N>
struct cpu_impl {
  static void call(T* out, int n) {}
};

#define LAUNCH_CPU(T, N) cpu_impl<T, N>::call(out_ptr, n);

template <typename T>
void cpu_launcher(T* out_ptr, int n) {
  LAUNCH_CPU(T, 4)
  cpu_impl<T, 8>::call(out_ptr, n);
}
