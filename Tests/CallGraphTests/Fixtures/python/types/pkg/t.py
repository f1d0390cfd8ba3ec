from typing import List, Optional

import torch.nn as nn


class Cache:
    def get(self):
        pass


class Layer(nn.Module):
    def forward(self, x):
        pass


class Scorer:
    def __call__(self, x):
        pass


def make_cache() -> "Cache":
    return Cache()


def factory():
    return make_cache()       # -> pkg.t.make_cache exact


GLOBAL_CACHE = Cache()


class Model(nn.Module):
    cache_hint: Cache

    def __init__(self, scorer: Optional[Scorer]):
        super().__init__()                 # -> torch.nn.Module.__init__ inferred
        self.layer = Layer()
        self.other: Cache = make_cache()
        self.made = make_cache()
        self.unannotated = factory()
        self.scorer = scorer
        self.layers = [Layer() for _ in range(2)]

    def forward(self, x):
        self.layer(x)                 # -> pkg.t.Layer.forward inferred
        self.other.get()              # -> pkg.t.Cache.get exact
        self.made.get()               # -> pkg.t.Cache.get inferred
        self.unannotated.get()        # -> pkg.t.Cache.get inferred
        self.scorer(x)                # -> pkg.t.Scorer.__call__ inferred
        self.cache_hint.get()         # -> pkg.t.Cache.get exact
        GLOBAL_CACHE.get()            # -> pkg.t.Cache.get inferred
        for layer in self.layers:
            layer(x)                  # -> pkg.t.Layer.forward inferred
        self.register_buffer("a", x)  # -> torch.nn.Module.register_buffer inferred


def items(caches: List[Cache]):
    for c in caches:
        c.get()                       # -> pkg.t.Cache.get inferred
