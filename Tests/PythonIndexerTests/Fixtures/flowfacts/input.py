# Facts read off function bodies beyond `x = Callee(...)` / `x = a.b`, and call arguments
# (a fixture written for Marginalia; every construct below is one the call graph reads).
import torch

COUNTER = 0


def unannotated_factory(kind):
    if kind:
        return Worker(kind)
    return self_made.worker


def annotated_factory() -> "Worker":
    return Other()


def fluent(self):
    return self


def assignments(self, items, table):
    first = items[0]
    pair_a, pair_b = split_pair(items)
    (left, *rest) = split_pair(items)
    chosen = Primary() if items else backup.value
    maybe = Primary() if items else None
    layers = [Layer(i) for i in range(4)]
    listed = [alpha, beta.gamma]
    mapped = {"a": alpha, "b": beta.gamma}
    unknown = items + 1
    sliced = items[1:]
    awaited = len(items) or 0
    typed = Typed()
    typed = items[3]
    global COUNTER
    COUNTER = items[4]
    return (
        first
    )


class Holder:
    def __init__(self, config):
        self.driver, self.helper = make_workers(config)
        self.cache = config.caches[0]
        self.mode = "eager" if config.eager else "graph"
        self.plain = config.plain

        def inner():
            hidden = config.deep[0]
            return hidden


def registrations(fn):
    direct_register_custom_op("unified_attention", op_func=fn, mutates_args=[], dispatch_key="CUDA")
    torch.library.custom_op("vllm::rotary", fn, mutates_args=())
    executor.collective_rpc("execute_model", args=(1,), *extra, **options)
    run_method(worker, method="load_model")
    logger.info(f"not a plain string {fn}")
    print(b"bytes are not strings", 'single' "concatenated")
    return fn(1, 2)
