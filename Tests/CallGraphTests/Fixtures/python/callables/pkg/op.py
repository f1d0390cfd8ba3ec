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


def register(f: Callable) -> "Op | Callable[[Callable], Op]":
    return Op(f.__name__, f)


def make_plain(f) -> Plain:
    return Plain()


def passthrough(f):
    return f
