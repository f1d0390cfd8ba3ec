from typing import Optional

engine = LLMEngine.from_engine_args(args)
logger = init_logger(__name__)
counter: int
default_backend = backends.Default


class Scheduler:
    queue: Optional[Queue] = None

    def __init__(self, config: SchedulerConfig, cache: "CacheConfig") -> None:
        self.block_manager = BlockSpaceManager(config)
        self.waiting: Deque[SequenceGroup] = deque()
        self.policy = PolicyFactory.get_policy(policy_name="fcfs")
        self.alias = config
        local = Helper()
        other = local
        a, b = pair()
        self.items[0] = Item()

    def schedule(self) -> Tuple[SchedulerOutputs, bool]:
        out: SchedulerOutputs = self._schedule()
        return out


def free(x: int, *args: str, **kwargs: Any):
    y = x
