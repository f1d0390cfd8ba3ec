from functools import wraps


def logged(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)  # -> pkg.w.attention candidate; -> pkg.w.both candidate

    return wrapper


def timed(fn):
    def inner(*args):
        return fn(*args)  # -> pkg.w.first candidate; -> pkg.w.second candidate; -> pkg.w.logged.wrapper candidate

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


@timed
@logged
def both(x):
    return x


def run_both(x):
    return both(x)  # -> pkg.w.timed.inner inferred; !-> pkg.w.logged.wrapper
