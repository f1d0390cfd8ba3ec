from pkg.sub.impl import Engine as Engine
from .sub import tools
__all__ = ["Engine", "tools"]
