import torch.nn as nn


def make_layers(n, layer_fn):
    return 0, n, nn.ModuleList([layer_fn(prefix=str(i)) for i in range(n)])
