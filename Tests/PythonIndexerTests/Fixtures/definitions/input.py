"""Module docstring.

    Indented part.
"""
import functools

CONSTANT: int = 3
Alias = functools.partial
square = lambda x, y=2: x ** y
"""Attribute docstring of square."""


@functools.lru_cache(maxsize=None)
@staticmethod
def decorated(a, b: int = 1, *args, c: "str" = "", **kwargs) -> "list[int]":
    """Docstring."""
    def inner(q):
        def innermost():
            return q
        return innermost

    return [inner(a)]  # trailing comment

    # trailing comment lines are not part of the body


class Base(object, metaclass=type):
    '''A class.'''
    field: int = 0
    other = field

    def method(self, x):
        return x

    async def amethod(self):
        async with self.lock:
            pass

    if True:
        def conditional_method(self): pass
    else:
        def conditional_method(self): return 1

    class Inner:
        pass


@dataclass
class Point[T](Base):
    x: T
    y: T = None

    def generic[U](self, u: U) -> T: return self.x


type Vector = list[float]


async def coroutine():
    await something()


def uses_match(command):
    match command.split():
        case [action]:
            return action
        case Point(x=0) if check(x):
            return x
        case {"key": value}:
            return value
        case _:
            pass
    match = 1
    match(command)


def one_liner(): return 1; 
class Empty: pass
