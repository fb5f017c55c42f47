"""mmcv 1.3's CPU scatter on a real MMDataParallel, and how the compat
module undoes it. None of this applies where CUDA is available."""
import warnings

import numpy as np
import pytest
import torch
from mmcv.parallel import DataContainer, MMDataParallel, collate

from mmdet_frcnn_annotated.models.detectors import cpu_compat

pytestmark = pytest.mark.skipif(
    torch.cuda.is_available(), reason='the CPU scatter path only')


class _Recorder(torch.nn.Module):
    """Returns what train_step receives, shapes only."""

    def train_step(self, data, optimizer):
        return data

    val_step = train_step


def _batch():
    samples = []
    for g in (2, 0):
        samples.append(
            dict(
                img=DataContainer(torch.zeros(3, 64, 96), stack=True),
                gt_bboxes=DataContainer(torch.zeros(g, 4)),
                gt_labels=DataContainer(torch.zeros(g, dtype=torch.long)),
                img_metas=DataContainer(
                    dict(img_shape=(64, 96, 3),
                         scale_factor=np.ones(4)),
                    cpu_only=True)))
    return collate(samples, samples_per_gpu=2)


def _shapes(data):
    return dict(
        img=tuple(data['img'].shape),
        gt_bboxes=[tuple(b.shape) for b in data['gt_bboxes']],
        gt_labels=[tuple(b.shape) for b in data['gt_labels']])


@pytest.mark.parametrize('step', ['train_step', 'val_step'])
def test_cpu_scatter_adds_an_axis_and_compat_removes_it(step):
    model = MMDataParallel(_Recorder(), device_ids=[0])
    assert model.device_ids == []  # no CUDA: mmcv takes the CPU path
    received = getattr(model, step)(_batch(), None)
    # what mmcv 1.3.17 hands to the model on CPU
    assert _shapes(received) == dict(
        img=(1, 2, 3, 64, 96),
        gt_bboxes=[(1, 2, 4), (1, 0, 4)],
        gt_labels=[(1, 2), (1, 0)])
    assert len(received['img_metas']) == 2
    fixed = cpu_compat.drop_cpu_scatter_axis(received)
    assert _shapes(fixed) == dict(
        img=(2, 3, 64, 96),
        gt_bboxes=[(2, 4), (0, 4)],
        gt_labels=[(2, ), (0, )])
    assert fixed['img_metas'] is received['img_metas']


def test_data_that_was_not_scattered_is_unchanged():
    data = dict(
        img=torch.zeros(1, 3, 8, 8),  # N = 1 is not the scatter axis
        gt_bboxes=[torch.zeros(1, 4)],
        gt_labels=[torch.zeros(1, dtype=torch.long)],
        other=torch.zeros(1, 1, 1))
    fixed = cpu_compat.drop_cpu_scatter_axis(data)
    assert _shapes(fixed) == _shapes(data)
    assert fixed['other'] is data['other']


def test_cuda_is_a_noop_with_one_warning():
    module = torch.nn.Linear(2, 2)
    cpu_compat._warned.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert cpu_compat.cuda_or_stay(module, module.cuda, 0) is module
        assert cpu_compat.cuda_or_stay(module, module.cuda, 0) is module
    assert [str(w.message) for w in caught] == [
        'CUDA is not available: Linear stays on the CPU (cuda() is a no-op)'
    ]
    assert next(module.parameters()).device.type == 'cpu'
