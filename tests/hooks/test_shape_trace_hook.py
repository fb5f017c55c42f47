import logging

import pytest
import torch
from mmcv.runner import IterBasedRunner

from mmdet_frcnn_annotated import ShapeTraceHook


class _NotAnnotated(torch.nn.Module):

    def train_step(self, data, optimizer):
        return {}


def test_hook_names_a_model_without_tracer(tmp_path):
    runner = IterBasedRunner(
        _NotAnnotated(), work_dir=str(tmp_path),
        logger=logging.getLogger('test'))
    with pytest.raises(TypeError, match='_NotAnnotated'):
        ShapeTraceHook().before_run(runner)


def test_hook_keeps_only_the_arguments_given():
    hook = ShapeTraceHook(interval=5, strict=True)
    assert hook.overrides == dict(interval=5, strict=True)
