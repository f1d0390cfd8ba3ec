@register("name")
def target(a=default_value(), b=make()(1)):
    result = self.scheduler[ve].schedule(x, y, *rest, key=1, **extra)
    torch.ops._C.paged_attention_v1(out, query)
    super().forward(x)
    foo(x)(y)
    values = [transform(v) for v in gen(items)]
    callback = lambda z: handle(z)
    print (spaced , args)
    obj.method(
        first,  # a comment
        second,
    ).chained()
    "sep".join(parts)
    (a or b)(c)
    return sum(len(x) for x, _ in pairs)


class Model(Base.with_mixin(Mixin)):
    table = build_table()

    def forward(self): return self.layer(inputs)


handler = lambda event: dispatch(event, extra())
__all__ = ["target", "Model"]
__all__ += ["handler"]
__all__.append("extra")
