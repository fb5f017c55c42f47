"""mmdet 2.11 behaviours that look like shape mismatches and are not.

Each entry says where it shows (the stages of the report and the listed
functions), on which tensors, under which condition, and where in the
installed mmdet it comes from; the explanation for learners lives with the
other texts (``texts/behaviours.<lang>.md``, keyed by ``key``). A record
that meets an entry is marked as that behaviour instead of as a mismatch,
and is not counted as one.

Glossary: D_i detections of image i.
"""
import functools
import inspect
from dataclasses import dataclass
from typing import Callable, Tuple

from .sources import function_origin
from .watched import resolve


@dataclass(frozen=True)
class KnownBehaviour:
    """One behaviour.

    Attributes:
        key (str): its name, also the key of its texts.
        where (tuple[str]): stage prefixes (``'roi_head/detections'``) and
            listed functions (``'multiclass_nms'``) where it shows.
        names (tuple[str]): tensor names it concerns (a record's name, up
            to its first space).
        condition (callable): ``(shape, expected) -> bool``.
        function (str): ``'module:function'`` of the mmdet code behind it.
        marker (str): a piece of that function's source on the line that
            causes it.
    """
    key: str
    where: Tuple[str, ...]
    names: Tuple[str, ...]
    condition: Callable
    function: str
    marker: str

    @property
    def source(self):
        """``file:line`` of the marker in the installed mmdet."""
        return _marker_line(self.function, self.marker)

    def applies(self, where, name, shape, expected):
        if expected is None or shape is None or \
                name.split(' ')[0] not in self.names:
            return False
        if not any(where == w or where.startswith(w + '/')
                   for w in self.where):
            return False
        return bool(self.condition(list(shape), list(expected)))


KNOWN = (
    # multiclass_nms returns the boxes before the score column is appended
    # when no box passes score_thr: (0, 4) where (0, 5) is documented
    KnownBehaviour(
        key='empty_multiclass_nms',
        where=('roi_head/detections', 'BBoxHead.get_bboxes',
               'BBoxTestMixin.simple_test_bboxes', 'multiclass_nms',
               'bbox2result', 'MaskTestMixin.simple_test_mask',
               'CascadeRoIHead.simple_test'),
        names=('det_bboxes', 'det_bbox', 'bboxes', 'return'),
        condition=lambda shape, expected: shape == [0, 4] and expected == [
            0, 5
        ],
        function='mmdet.core.post_processing.bbox_nms:multiclass_nms',
        marker='if bboxes.numel() == 0:'),
)


def known_behaviour(where, name, shape, expected):
    """The :class:`KnownBehaviour` a disagreement is, or ``None``."""
    for behaviour in KNOWN:
        if behaviour.applies(where, name, shape, expected):
            return behaviour
    return None


def by_key(key):
    return next(b for b in KNOWN if b.key == key)


@functools.lru_cache(maxsize=None)
def _marker_line(function, marker):
    func, _ = resolve(function)
    lines, first = inspect.getsourcelines(func)
    path = function_origin(func)[1].rpartition(':')[0]
    for offset, line in enumerate(lines):
        if marker in line:
            return f'{path}:{first + offset}'
    return f'{path}:{first}'
