from ...op import register


@register
def norm2(x):
    return x
