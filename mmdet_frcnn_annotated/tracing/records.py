"""Plain-data records of one traced iteration.

A record holds shapes, dtypes and small numbers only, never a tensor, so
nothing it refers to outlives the step that produced it.

Kinds:
    ``symbols``  the bound symbols of the iteration (N, H, W, A, C, ...).
    ``tensor``   one tensor: its shape, symbolic shape and whether they agree
                 (``known`` names the mmdet behaviour a disagreement is).
    ``stats``    small statistics of a stage (counts, quantiles).
    ``loss``     one loss value.
    ``boxes``    boxes of one image to draw (positives, proposals, ...), in
                 the coordinates of the network's input.
    ``summary``  closes an iteration: how many records and mismatches.
"""
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

SCHEMA_VERSION = 1


@dataclass
class TraceRecord:
    kind: str
    phase: str
    iteration: int
    stage: str = ''
    name: str = ''
    shape: Optional[List[int]] = None
    symbolic: Optional[List[str]] = None
    expected: Optional[List[int]] = None
    ok: Optional[bool] = None
    known: Optional[str] = None
    dtype: Optional[str] = None
    device: Optional[str] = None
    producer: Optional[str] = None
    source: Optional[str] = None
    reproduces: Optional[str] = None
    values: Dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self):
        """Drop empty fields so that a line holds only what it says."""
        return {
            k: v
            for k, v in asdict(self).items() if v is not None and v != {}
        }

    @classmethod
    def from_dict(cls, data):
        if data.get('schema_version') != SCHEMA_VERSION:
            raise ValueError(
                f'trace record has schema_version '
                f'{data.get("schema_version")!r}; this reader understands '
                f'{SCHEMA_VERSION}')
        return cls(**data)
