from dataclasses import dataclass, field


@dataclass
class Params:
    n: int = 1

    def __post_init__(self):
        self.n = max(self.n, 1)


@dataclass(frozen=True)
class Plain:
    n: int = 1


class Derived(Params):
    pass


def make():
    a = Params(3)  # -> pkg.d.Params.__post_init__ inferred; !-> pkg.d.Params
    b = Plain(2)  # -> pkg.d.Plain exact
    c = Derived()  # -> pkg.d.Params.__post_init__ inferred
    return a, b, c
