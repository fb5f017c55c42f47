"""How one watched function is listed (see :mod:`.watched`)."""
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Spec:
    """How to list one watched function (see :mod:`.watched`).

    Attributes:
        per (str | None): what successive calls along one call path are.
        loops (dict): loop variable -> what its passes count.
        facts (tuple[str]): values its explanation quotes, read off the
            frame when it returns.
        reproduces (str | None): ``'module:Class.method'`` of the mmdet
            function a function of this package re-implements.
    """
    per: Optional[str] = None
    loops: Dict[str, str] = field(default_factory=dict)
    facts: Tuple[str, ...] = ()
    reproduces: Optional[str] = None
