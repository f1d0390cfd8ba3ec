import os
import os.path as osp, sys
from . import sibling
from .. import parent_mod as pm
from ...pkg.sub import (
    a,
    b as bee,
)
from vllm.core import *
try:
    import numpy as np
except ImportError:
    np = None
if TYPE_CHECKING:
    from typing import Optional


def f():
    import json
    from collections import OrderedDict as OD
    if x:
        import re


class C:
    from abc import ABC
