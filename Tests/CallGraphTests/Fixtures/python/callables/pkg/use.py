from pkg import ops
from pkg.ops import norm


def forward(x):
    y = ops.norm(x)  # -> pkg.op.Op.__call__ inferred; !-> pkg.ops.norm
    z = norm(y)  # -> pkg.op.Op.__call__ inferred
    norm.register_impl("c")  # -> pkg.op.Op.register_impl inferred
    return ops.kept(z)  # -> pkg.ops.kept exact


import torch


class Layer(torch.nn.Module):
    def load(self):
        self.weight.copy_(1)  # !-> torch.nn.Module.weight.copy_


def process(layer: torch.nn.Module):
    layer.input_scale.max()  # !-> torch.nn.Module.input_scale.max
    layer.register_parameter("w", None)  # -> torch.nn.Module.register_parameter exact


def parse(*args: int, **kwargs: object):
    kwargs.pop("x", None)  # -> builtins.dict.pop exact; !-> builtins.object.pop
    return args.count(1)  # -> builtins.tuple.count exact


from pkg import ir


def forward2(x):
    return ir.ops.norm2(x)  # -> pkg.op.Op.__call__ inferred
