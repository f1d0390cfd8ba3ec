# A miniature engine: two executors, a worker, a model runner whose model is built at run time.
import torch.nn as nn

from eng.layers import make_layers


class ExecutorBase:
    def execute_model(self, req):
        raise NotImplementedError


class GPUExecutor(ExecutorBase):
    def __init__(self):
        self.driver = Runner()

    def execute_model(self, req):
        return self.driver.run(req)  # -> eng.executors.Runner.run inferred

    def _warm(self):
        return self.driver.dummy_run()


class OtherExecutor(ExecutorBase):
    def execute_model(self, req):
        return req


class Engine:
    def __init__(self, executor: ExecutorBase):
        self.executor = executor

    def step(self, req):
        return self.executor.execute_model(req)  # -> eng.executors.GPUExecutor.execute_model candidate; -> eng.executors.OtherExecutor.execute_model candidate


class Runner:
    def __init__(self):
        self.model: nn.Module = None

    def run(self, req):
        return self.model(req)

    def dummy_run(self):
        return self.model(None)
