import torch


@torch.library.custom_op("vllm::fused_thing", mutates_args=[])
def fused_thing(x: torch.Tensor) -> torch.Tensor:  # edge: torch.ops.vllm.fused_thing -> pkg.custom.fused_thing exact
    return x


def caller(x):
    torch.ops.vllm.fused_thing(x)  # -> torch.ops.vllm.fused_thing exact
    torch.ops._C.rms_norm(x)       # -> torch.ops._C.rms_norm exact
    torch.ops._C.missing_op(x)     # -> torch.ops._C.missing_op exact; unresolved


def _bgmv(x):
    return x


bgmv = torch.library.custom_op("lora::bgmv", _bgmv, mutates_args=[])  # edge: torch.ops.lora.bgmv -> pkg.custom._bgmv exact


def unified(q):
    return q


direct_register_custom_op(  # edge: torch.ops.vllm.unified -> pkg.custom.unified exact
    op_name="unified",
    op_func=unified,
    mutates_args=[],
)


def use(q):
    torch.ops.vllm.unified(q)  # -> torch.ops.vllm.unified exact
    torch.ops.lora.bgmv(q)     # -> torch.ops.lora.bgmv exact
