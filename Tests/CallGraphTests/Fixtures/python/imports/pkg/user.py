import pkg.sub.impl as impl_mod
from pkg import Engine
from . import tools as t
from .sub.star import build
try:
    from .sub.impl import build as fast_build
except ImportError:
    fast_build = None
import torch


def a():
    impl_mod.build()          # -> pkg.sub.impl.build exact
    Engine()                  # -> pkg.sub.impl.Engine exact
    t.tool()                  # -> pkg.sub.tools.tool exact
    build()                   # -> pkg.sub.impl.build exact


def b():
    from pkg.sub.tools import tool as local_tool
    local_tool()              # -> pkg.sub.tools.tool exact
    fast_build()              # -> pkg.sub.impl.build exact
    torch.matmul(1, 2)        # -> torch.matmul exact
    _private()                # unresolved
