from functools import cached_property


class Config:
    @property
    def size(self):
        return 4

    @cached_property
    def table(self):
        return {}

    def plain(self):
        return self.size  # -> pkg.p.Config.size exact


class Engine:
    def __init__(self):
        self.config = Config()
        self.count = 0

    def step(self):
        n = self.config.size  # -> pkg.p.Config.size inferred
        t = self.config.table  # -> pkg.p.Config.table inferred
        c = self.count  # !-> pkg.p.Config.size
        self.config.size = 3
        return n, t, c
