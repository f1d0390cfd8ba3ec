from typing import Callable


class Op:
    def __init__(self, name, fn):
        self.name = name
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def register_impl(self, provider):
        return provider


class Plain:
    pass


def register(f: Callable | None = None, *, name: str | None = None) -> "Op | Callable[[Callable], Op]":
    # Used plainly (@register) and as a factory (@register(name=...)): the factory form returns the nested
    # function, the plain form its result.
    def decorator(g):
        return Op(name or g.__name__, g)

    if f is not None:
        return decorator(f)
    return decorator


def make_plain(f) -> Plain:
    return Plain()


def passthrough(f):
    return f
