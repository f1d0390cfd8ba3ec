from .ln import norm2

__all__ = ["norm2"]
