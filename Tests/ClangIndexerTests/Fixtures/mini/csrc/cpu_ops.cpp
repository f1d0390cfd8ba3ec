#include "ops.h"

void scale_cpu(torch::Tensor& out, torch::Tensor& in, double factor) {
  out.copy_(in);
}
