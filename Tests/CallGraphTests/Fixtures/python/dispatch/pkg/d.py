from abc import ABC, abstractmethod
from typing import Type


class Impl(ABC):
    @abstractmethod
    def run(self):
        raise NotImplementedError


class FastImpl(Impl):
    def run(self):
        pass


class SlowImpl(Impl):
    def run(self):
        pass


def choose(name: str) -> Type[Impl]:
    if name == "fast":
        return FastImpl
    return SlowImpl


def pick(name):
    if name == "fast":
        return FastImpl
    return SlowImpl


class Layer:
    def __init__(self, name):
        impl_cls = choose(name)
        self.impl = impl_cls()
        self.other = pick(name)()

    def forward(self):
        self.impl.run()   # -> pkg.d.FastImpl.run candidate; -> pkg.d.SlowImpl.run candidate; !-> pkg.d.Impl.run
        self.other.run()  # -> pkg.d.FastImpl.run candidate; -> pkg.d.SlowImpl.run candidate; !-> pkg.d.Impl.run


class WorkerBase:
    def execute_model(self, req):
        raise NotImplementedError


class GPUWorker(WorkerBase):
    def execute_model(self, req):
        pass


class Executor:
    def collective_rpc(self, method, args=()):
        pass

    def execute_model(self, req):
        return self.collective_rpc("execute_model", args=(req,))  # -> pkg.d.GPUWorker.execute_model candidate; -> pkg.d.Executor.collective_rpc exact
