import torch.nn as nn

from eng.layers import make_layers


class Block(nn.Module):
    def forward(self, x):
        return x


class Other(nn.Module):
    def forward(self, x):
        return x


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.start, self.end, self.layers = make_layers(2, lambda prefix: Block(prefix))
        self.others = nn.ModuleList([Other() for _ in range(2)])

    def forward(self, x):
        for i in range(self.start, self.end):
            layer = self.layers[i]
            x = layer(x)  # -> eng.models.Block.forward inferred; !-> eng.models.Other.forward
        o = self.others[0]
        return o(x)  # -> eng.models.Other.forward inferred; !-> eng.models.Block.forward


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.stack = Stack()

    def forward(self, x):
        return self.stack(x)  # -> eng.models.Stack.forward inferred


class Big(nn.Module):
    def forward(self, x):
        return x
