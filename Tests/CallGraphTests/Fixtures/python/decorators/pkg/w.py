from functools import wraps


def logged(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)  # -> pkg.w.attention inferred

    return wrapper


def timed(fn):
    def inner(*args):
        return fn(*args)  # -> pkg.w.first candidate; -> pkg.w.second candidate

    return inner


@logged
def attention(x):
    return x


@timed
def first(x):
    return x


@timed
def second(x):
    return x


def run(x):
    attention(x)  # -> pkg.w.logged.wrapper inferred; !-> pkg.w.attention
    first(x)  # -> pkg.w.timed.inner inferred
    return second
