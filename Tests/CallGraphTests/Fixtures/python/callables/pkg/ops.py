from pkg.op import register, make_plain, passthrough


@register
def norm(x):
    return x


@make_plain
def not_callable(x):
    return x


@passthrough
def kept(x):
    return x
