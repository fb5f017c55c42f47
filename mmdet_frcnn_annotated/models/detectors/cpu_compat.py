"""What lets mmdet 2.11's own train script run on a machine with no GPU.

Two things stand in the way, and neither applies when CUDA is available:

1. ``mmdet.apis.train_detector`` calls ``model.cuda(gpu_ids[0])``
   unconditionally. :func:`cuda_or_stay` turns that into a no-op with one
   warning when CUDA is unavailable.
2. mmcv 1.3's ``MMDataParallel`` with no device ids scatters to device -1,
   and its CPU scatter adds a leading axis of size 1 to every DataContainer
   payload: ``img`` arrives as (1, N, 3, H, W), ``gt_bboxes[i]`` as
   (1, G_i, 4), ``gt_labels[i]`` as (1, G_i). :func:`drop_cpu_scatter_axis`
   removes exactly that axis, for the keys whose rank is known.
"""
import warnings

import torch

# Rank of each known input as the detector expects it (per image for lists).
EXPECTED_RANK = {
    'img': 4,  # (N, 3, H, W)
    'gt_bboxes': 2,  # (G_i, 4)
    'gt_labels': 1,  # (G_i,)
    'gt_bboxes_ignore': 2,  # (G'_i, 4)
    'proposals': 2,  # (K_i, 4 or 5)
    'gt_semantic_seg': 4,  # (N, 1, H, W)
}

_warned = []


def cuda_or_stay(module, cuda, device=None):
    """``cuda(device)`` when CUDA is available, else ``module`` unchanged."""
    if torch.cuda.is_available():
        return cuda(device)
    if not _warned:
        _warned.append(True)
        warnings.warn(f'CUDA is not available: {type(module).__name__} '
                      f'stays on the CPU (cuda() is a no-op)')
    return module


def _drop_axis(value, rank):
    if isinstance(value, torch.Tensor):
        if value.dim() == rank + 1 and value.size(0) == 1:
            return value.squeeze(0)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_drop_axis(v, rank) for v in value)
    return value


def drop_cpu_scatter_axis(data):
    """A copy of ``data`` with the CPU scatter's extra leading axis removed.

    Args:
        data (dict): keyword inputs of ``train_step``/``val_step`` after
            ``MMDataParallel``'s CPU scatter.

    Returns:
        dict: the same keys; tensors of a known key whose rank is one more
        than expected and whose first size is 1 lose that axis. Anything
        else is passed through, so data that never went through the CPU
        scatter is unchanged.
    """
    return {
        key: _drop_axis(value, EXPECTED_RANK[key])
        if key in EXPECTED_RANK else value
        for key, value in data.items()
    }
