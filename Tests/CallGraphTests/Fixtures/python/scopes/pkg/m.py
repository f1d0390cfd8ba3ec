def helper():
    pass


def outer():
    def inner():
        helper()          # -> pkg.m.helper exact
    inner()               # -> pkg.m.outer.inner exact
    len([])               # -> builtins.len exact


class K:
    def helper(self):
        pass

    def run(self):
        helper()          # -> pkg.m.helper exact; !-> pkg.m.K.helper


def shadow():
    helper = make()       # -> pkg.m.make exact
    helper()              # !-> pkg.m.helper; unresolved


def make():
    pass
