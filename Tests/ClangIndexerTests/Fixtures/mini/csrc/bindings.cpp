#include "ops.h"
#include "registration.h"

#include <torch/library.h>

TORCH_LIBRARY_EXPAND(TORCH_EXTENSION_NAME, ops) {
  ops.def("scale(Tensor! out, Tensor input, float factor) -> ()");
  ops.impl("scale", torch::kCUDA, &scale);
#ifdef ENABLE_FP8
  ops.def("scale_fp8", &scale);
#endif
#ifdef USE_ROCM
  ops.def("scale_rocm(Tensor! out) -> ()");
  ops.impl("scale_rocm", torch::kCUDA, &scale_rocm);
#endif
}

TORCH_LIBRARY_EXPAND(CONCAT(TORCH_EXTENSION_NAME, _cpu_ops), cpu_ops) {
  cpu_ops.impl("scale", torch::kCPU, &scale_cpu);
}

PYBIND11_MODULE(mini_ext, m) {
  m.def("scale", &scale, "Scales a tensor");
}
