"""What a tensor held, in a few numbers: read on traced steps only.

The line capture (:mod:`.capture`) describes each tensor a watched line
bound by its shape and dtype; on a traced step it adds a summary of its
values, taken at the moment the line bound it (mmdet fills some tensors in
place later, ``assigned_gt_inds`` among them):

- a boolean mask: how many elements are True, ``{'true': 9}``;
- an integer tensor: its range, ``{'min': 0, 'max': 20459}``, or when it
  holds at most :data:`MAX_DISTINCT` distinct values in a range of at most
  :data:`MAX_RANGE`, how often each occurs, ``{'counts': {'0': 247,
  '1': 9}}`` (the range is then the first and last key);
- a floating tensor: its range and mean over the finite elements,
  ``{'min': 0.0, 'max': 0.83, 'mean': 0.04}``, plus ``'nonfinite'`` when
  some elements are NaN or infinite;
- a tensor of one element: ``{'value': 0.5}``.

Each number read is a host synchronisation on a GPU, which is why only the
traced step reads them. An empty tensor has no summary.
"""
import math
import weakref

import numpy as np
import torch

MAX_DISTINCT = 8
MAX_RANGE = 64
_DIGITS = 4  # significant digits of a float


def _round(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        return str(value)
    return float(f'{value:.{_DIGITS}g}')


def summarize(value):
    """The summary of a tensor or array, or ``None`` (empty, or of a dtype
    without an order, such as complex)."""
    if isinstance(value, np.ndarray):
        try:
            value = torch.from_numpy(value)
        except TypeError:
            return None
    if not isinstance(value, torch.Tensor) or value.numel() == 0:
        return None
    with torch.no_grad():
        tensor = value.detach()
        if tensor.is_complex():
            return None
        if tensor.numel() == 1:
            return dict(value=_round(tensor.reshape(-1)[0].item()))
        if tensor.dtype == torch.bool:
            return dict(true=int(tensor.sum().item()))
        if tensor.is_floating_point():
            return _floats(tensor.float())
        return _integers(tensor)


def _floats(tensor):
    # one read for range and mean; NaN and infinities show in them (min and
    # max propagate NaN), and only then are they counted and left out
    low, high, mean = torch.stack(
        [tensor.min(), tensor.max(), tensor.mean()]).tolist()
    if all(map(math.isfinite, (low, high, mean))):
        return dict(min=_round(low), max=_round(high), mean=_round(mean))
    finite = torch.isfinite(tensor)
    count = int(finite.sum().item())
    if count == tensor.numel():  # finite, but the float32 sum overflowed
        return dict(min=_round(low), max=_round(high),
                    mean=_round(tensor.double().mean().item()))
    out = dict(nonfinite=tensor.numel() - count)
    if count:
        out.update(_floats(tensor[finite]))
    return out


def _integers(tensor):
    low, high = torch.stack([tensor.min(), tensor.max()]).tolist()
    if high - low <= MAX_RANGE:
        counts = torch.bincount((tensor.reshape(-1) - low).long(),
                                minlength=high - low + 1).tolist()
        present = {str(low + i): c for i, c in enumerate(counts) if c}
        if len(present) <= MAX_DISTINCT:
            return dict(counts=present)
    return dict(min=int(low), max=int(high))


class SummaryCache:
    """:func:`summarize` for one traced step, reading each tensor once:
    the same tensor bound again (a feature map passed down through five
    functions) is not read again unless it changed in place since (its
    version counter moved). Holds no tensor: a weak reference tells that
    an id still belongs to the tensor it was read from."""

    def __init__(self):
        self._seen = {}

    def __call__(self, value):
        if not isinstance(value, torch.Tensor):
            return summarize(value)
        key = id(value)
        seen = self._seen.get(key)
        if seen is not None and seen[0]() is value and \
                seen[1] == value._version:
            return seen[2]
        summary = summarize(value)
        try:
            self._seen[key] = (weakref.ref(value), value._version, summary)
        except TypeError:  # a tensor type without weak references
            pass
        return summary
