from pkg import ops
from pkg.ops import norm


def forward(x):
    y = ops.norm(x)  # -> pkg.op.Op.__call__ inferred; !-> pkg.ops.norm
    z = norm(y)  # -> pkg.op.Op.__call__ inferred
    norm.register_impl("c")  # -> pkg.op.Op.register_impl inferred
    return ops.kept(z)  # -> pkg.ops.kept exact
