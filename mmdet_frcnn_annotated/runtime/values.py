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
            return _floats(tensor)
        return _integers(tensor)


def _floats(tensor):
    tensor = tensor.float()
    finite = torch.isfinite(tensor)
    count = int(finite.sum().item())
    out = {}
    if count < tensor.numel():
        out['nonfinite'] = tensor.numel() - count
        tensor = tensor[finite]
    if count:
        stats = torch.stack(
            [tensor.min(), tensor.max(),
             tensor.double().mean().float()]).tolist()
        out.update(min=_round(stats[0]), max=_round(stats[1]),
                   mean=_round(stats[2]))
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
