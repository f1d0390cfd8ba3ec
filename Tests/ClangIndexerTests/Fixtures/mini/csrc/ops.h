#pragma once

#include <torch/all.h>

void scale(torch::Tensor& out, torch::Tensor& in, double factor);
void scale_cpu(torch::Tensor& out, torch::Tensor& in, double factor);
