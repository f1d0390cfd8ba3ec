import torch


@torch.library.custom_op("vllm::fused_thing", mutates_args=[])
def fused_thing(x: torch.Tensor) -> torch.Tensor:  # edge: torch.ops.vllm.fused_thing -> pkg.custom.fused_thing exact
    return x


def caller(x):
    torch.ops.vllm.fused_thing(x)  # -> torch.ops.vllm.fused_thing exact
    torch.ops._C.rms_norm(x)       # -> torch.ops._C.rms_norm exact
    torch.ops._C.missing_op(x)     # -> torch.ops._C.missing_op exact; unresolved
